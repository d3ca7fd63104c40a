// Refresh tokens for the load benchmark (scripts/bench-load.sh): registers one public client
// dynamically, then runs the authorization code flow N times as the demo person (sign-in, TOTP
// and consent scripted over HTTP by tests/mcp-interop/lib/person.mjs; after the first consent
// the same request is not asked again) and exchanges each code, so that every wrk connection
// rotates its own refresh token family. Prints the client id, then one refresh token a line.
//   NL_BASE=… NL_EMAIL=… NL_PASSWORD=… NL_TOTP_SECRET=… NL_COMPANY=… NL_DIR=… node oauth-refresh-tokens.mjs N
import crypto from "node:crypto";
import { Person } from "../tests/mcp-interop/lib/person.mjs";

const n = Number(process.argv[2] || 1);
const p = Person.fromEnv();
const redirect = "http://127.0.0.1:9/callback";
const post = async (path, body, type) => {
  const r = await fetch(new URL(path, p.base), { method: "POST", headers: { "content-type": type }, body });
  const j = await r.json();
  if (!r.ok) throw new Error(`${path} ${r.status}: ${JSON.stringify(j)}`);
  return j;
};
const form = "application/x-www-form-urlencoded";
const client = await post(
  "/oauth/register",
  JSON.stringify({ client_name: "Refresh benchmark", redirect_uris: [redirect], token_endpoint_auth_method: "none" }),
  "application/json",
);
const out = [client.client_id];
for (let i = 0; i < n; i++) {
  const verifier = crypto.randomBytes(32).toString("base64url");
  const challenge = crypto.createHash("sha256").update(verifier).digest("base64url");
  const url = new URL("/oauth/authorize", p.base);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: client.client_id,
    redirect_uri: redirect,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: `s${i}`,
    scope: "reports:read",
    resource: `${p.base}/api/v1/companies/${p.companyId}`,
  });
  const back = new URL(await p.approve(url.toString()));
  const code = back.searchParams.get("code");
  if (!code) throw new Error(`no code in ${back}`);
  const t = await post(
    "/oauth/token",
    new URLSearchParams({ grant_type: "authorization_code", client_id: client.client_id, code, redirect_uri: redirect, code_verifier: verifier }),
    form,
  );
  out.push(t.refresh_token);
}
console.log(out.join("\n"));
