// The official TypeScript MCP SDK client (@modelcontextprotocol/sdk, pinned in package-lock.json)
// against a real NewLedger server, from nothing but the company's MCP URL: discovery from the
// 401 challenge, registration (dynamic, or a client ID metadata document served over HTTPS on
// loopback), the person's sign-in, TOTP and consent (scripted over HTTP by lib/person.mjs), the
// SDK's own code exchange, tools, a drafted entry retried with the same idempotency key, a token
// refresh, and a clean failure once the person deletes the connection.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import https from "node:https";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UnauthorizedError, auth } from "@modelcontextprotocol/sdk/client/auth.js";
import { Person } from "./lib/person.mjs";
import { draftCall, draftIdentity, reportCall } from "./lib/tools.mjs";

const MCP_URL = `${process.env.NL_BASE}/mcp/${process.env.NL_COMPANY}`;
const person = Person.fromEnv();

/** The SDK's OAuthClientProvider, in memory; the "browser" is the scripted person. */
class Provider {
  constructor(name, { clientMetadataUrl } = {}) {
    this.name = name;
    this.clientMetadataUrl = clientMetadataUrl;
    this.redirectUrl = "http://127.0.0.1:33418/callback";
    this.approving = true;
    this.callbacks = [];
  }
  get clientMetadata() {
    return {
      client_name: this.name,
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation() { return this.info; }
  saveClientInformation(i) { this.info = i; }
  tokens() { return this.saved; }
  saveTokens(t) { this.saved = t; }
  saveCodeVerifier(v) { this.verifier = v; }
  codeVerifier() { return this.verifier; }
  invalidateCredentials(scope) {
    if (scope === "all" || scope === "tokens") this.saved = undefined;
    if (scope === "all" || scope === "client") this.info = undefined;
  }
  async redirectToAuthorization(url) {
    this.authorizations = (this.authorizations ?? 0) + 1;
    if (!this.approving) return; // the person is not there any more: nobody approves
    this.callbacks.push(new URL(await person.approve(url.toString())));
  }
}

/** Connects as the SDK documents it: connect, on 401 the person approves, finishAuth, reconnect. */
async function connect(provider) {
  const client = new Client({ name: provider.name, version: "1.0.0" });
  let transport = new StreamableHTTPClientTransport(new URL(MCP_URL), { authProvider: provider });
  try {
    await client.connect(transport);
    return { client, transport };
  } catch (e) {
    if (!(e instanceof UnauthorizedError)) throw e;
  }
  const cb = provider.callbacks.at(-1);
  assert.ok(cb, "the person was sent to the consent page");
  assert.equal(cb.origin + cb.pathname, provider.redirectUrl);
  assert.equal(cb.searchParams.get("iss"), process.env.NL_BASE, "RFC 9207 iss");
  await transport.finishAuth(cb.searchParams.get("code"));
  transport = new StreamableHTTPClientTransport(new URL(MCP_URL), { authProvider: provider });
  await client.connect(transport);
  return { client, transport };
}

async function endToEnd(provider) {
  const { client } = await connect(provider);
  try {
    await session(client, provider);
  } finally {
    await client.close();
  }
}

async function session(client, provider) {
  assert.ok(provider.saved?.access_token?.startsWith("nlat_"), "an access token");
  assert.ok(provider.saved?.refresh_token?.startsWith("nlrt_"), "a refresh token");

  const { tools } = await client.listTools();
  assert.ok(tools.length > 0, "tools listed");
  for (const t of tools) {
    assert.ok(t.description && t.inputSchema, `${t.name} is described`);
    const a = t.annotations ?? {};
    assert.ok(a.readOnlyHint === true || a.destructiveHint === false, `${t.name} is read-only or not destructive`);
    assert.equal(a.openWorldHint, false, `${t.name} stays in the company's books`);
  }

  const report = reportCall(tools);
  const r = await client.callTool(report);
  assert.ok(!r.isError, `${report.name}: ${JSON.stringify(r.content)}`);
  assert.ok(r.structuredContent, `${report.name} returns structured content`);

  const draft = await draftCall(tools, client, `ts-${provider.name.replace(/\W+/g, "-")}-${Date.now()}`);
  const first = await client.callTool(draft);
  assert.ok(!first.isError, `${draft.name}: ${JSON.stringify(first.content)}`);
  const again = await client.callTool(draft);
  assert.ok(!again.isError, JSON.stringify(again.content));
  assert.deepEqual(draftIdentity(again), draftIdentity(first), "same key, same result");

  // Refresh: the SDK's own refresh grant; the new access token works.
  const before = provider.saved;
  const result = await auth(provider, { serverUrl: new URL(MCP_URL) });
  assert.equal(result, "AUTHORIZED");
  assert.notEqual(provider.saved.access_token, before.access_token, "a new access token");
  assert.notEqual(provider.saved.refresh_token, before.refresh_token, "the refresh token rotated");
  assert.ok(!(await client.callTool(report)).isError, "the refreshed token works");

  // The person deletes the connection: the very next call fails, and nothing is re-approved.
  assert.equal(await person.deleteConnection(provider.name), 1);
  provider.approving = false;
  const authorizations = provider.authorizations;
  await assert.rejects(client.callTool(report), (e) => {
    assert.ok(e instanceof UnauthorizedError || /401|unauthori[sz]ed|invalid_token/i.test(String(e)), String(e));
    return true;
  });
  assert.ok(provider.authorizations > authorizations, "the SDK asked the person again (and got nothing)");
}

test("TypeScript SDK: dynamic client registration", async () => {
  const provider = new Provider("TS SDK (dynamic registration)");
  await endToEnd(provider);
  assert.match(provider.info.client_id, /^oac_/, "registered dynamically");
});

test("TypeScript SDK: client ID metadata document on loopback HTTPS", async () => {
  const name = "TS SDK (metadata document)";
  const server = https.createServer(
    { key: fs.readFileSync(process.env.NL_TLS_KEY), cert: fs.readFileSync(process.env.NL_TLS_CERT) },
    (req, res) => {
      if (req.url !== "/oauth/client.json") {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json", "cache-control": "max-age=300" });
      res.end(JSON.stringify({ ...provider.clientMetadata, client_id: provider.clientMetadataUrl, client_uri: "https://sdk.example.org" }));
      fetched++;
    },
  );
  let fetched = 0;
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const provider = new Provider(name, { clientMetadataUrl: `https://127.0.0.1:${server.address().port}/oauth/client.json` });
  try {
    await endToEnd(provider);
    assert.equal(provider.info.client_id, provider.clientMetadataUrl, "the URL is the client_id");
    assert.ok(fetched >= 1, "NewLedger fetched the document");
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
