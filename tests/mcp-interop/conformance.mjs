// The official MCP conformance suite (@modelcontextprotocol/conformance, pinned) against the
// company's MCP server. The suite sends no token, so it talks to a loopback proxy that adds a
// bearer token which a person approved exactly as for any client: dynamic registration, the
// person's sign-in, TOTP and consent over HTTP (lib/person.mjs), the code exchange with PKCE.
// The server has no test-only mode: the proxy is the only difference, and it only adds the
// header (and maps its own Host/Origin to the server's; any other Host or Origin, such as the
// DNS-rebinding scenario's, passes through untouched).
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Person } from "./lib/person.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const base = new URL(process.env.NL_BASE);
const company = process.env.NL_COMPANY;
const person = Person.fromEnv();

async function token() {
  const redirect = "http://127.0.0.1:33420/callback";
  const reg = await fetch(new URL("/oauth/register", base), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_name: "MCP conformance suite", redirect_uris: [redirect], token_endpoint_auth_method: "none" }),
  });
  if (reg.status !== 201) throw new Error(`registration: ${reg.status} ${await reg.text()}`);
  const { client_id } = await reg.json();
  const verifier = crypto.randomBytes(32).toString("base64url");
  const challenge = crypto.createHash("sha256").update(verifier).digest("base64url");
  const resource = `${base.origin}/mcp/${company}`;
  const q = new URLSearchParams({
    response_type: "code",
    client_id,
    redirect_uri: redirect,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: crypto.randomBytes(8).toString("hex"),
    resource,
  });
  const back = new URL(await person.approve(`${base.origin}/oauth/authorize?${q}`));
  const t = await fetch(new URL("/oauth/token", base), {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id,
      code: back.searchParams.get("code"),
      code_verifier: verifier,
      redirect_uri: redirect,
      resource,
    }),
  });
  const body = await t.json();
  if (!body.access_token) throw new Error(`token: ${JSON.stringify(body)}`);
  return body.access_token;
}

function proxy(accessToken) {
  const server = http.createServer((req, res) => {
    const self = `127.0.0.1:${server.address().port}`;
    const headers = { ...req.headers, authorization: `Bearer ${accessToken}` };
    if (headers.host === self) headers.host = base.host;
    if (headers.origin === `http://${self}`) headers.origin = base.origin;
    const up = http.request(
      { host: base.hostname, port: base.port, method: req.method, path: req.url, headers },
      (r) => {
        res.writeHead(r.statusCode, r.headers);
        r.pipe(res);
      },
    );
    up.on("error", (e) => {
      res.writeHead(502).end(String(e));
    });
    req.pipe(up);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** The capabilities the server declares (initialize through the proxy, as the suite does). */
async function capabilities(url) {
  const r = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({
      jsonrpc: "2.0", id: 1, method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "probe", version: "1" } },
    }),
  });
  const text = await r.text();
  // JSON, or server-sent events whose data line carries the JSON-RPC response.
  const json = text.startsWith("{") ? text : text.split("\n").find((l) => l.startsWith("data:") && l.includes('"jsonrpc"'))?.slice(5);
  const body = JSON.parse(json);
  if (!body.result) throw new Error(`initialize: ${text}`);
  return body.result.capabilities;
}

// Generic scenarios: they need nothing but the protocol and what the server declares. The
// others call the suite's own fixture tools (`test_simple_text`, `test_error_handling`, …),
// resources and prompts, which only its reference server has; they are not run (a product
// server has its own tools, exercised by the SDK clients above).
const GENERIC = ["server-initialize", "ping", "tools-list", "server-sse-multiple-streams", "dns-rebinding-protection"];
const BY_CAPABILITY = {
  logging: ["logging-set-level"],
  completions: ["completion-complete"],
  resources: ["resources-list"],
  prompts: ["prompts-list"],
};

const server = await proxy(await token());
const url = `http://127.0.0.1:${server.address().port}/mcp/${company}`;
const caps = await capabilities(url);
const scenarios = [...GENERIC, ...Object.entries(BY_CAPABILITY).flatMap(([cap, s]) => (caps[cap] ? s : []))];
console.log(`declared capabilities: ${Object.keys(caps).join(", ")}; scenarios: ${scenarios.join(", ")}`);
const bin = path.dirname(process.execPath);
let failed = 0;
for (const scenario of scenarios) {
  const child = spawn(
    "npx",
    ["-y", "@modelcontextprotocol/conformance@0.1.16", "server", "--url", url, "--scenario", scenario,
      "--expected-failures", path.join(here, "expected-failures.yml"),
      "-o", path.join(process.env.NL_DIR, "conformance")],
    { cwd: here, stdio: "inherit", env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } },
  );
  const code = await new Promise((r) => child.on("exit", r));
  if (code !== 0) failed++;
}
server.close();
console.log(`conformance: ${scenarios.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
