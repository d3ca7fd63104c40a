// The company MCP server as a person sees it in Chromium: Settings → App Connect → MCP Server
// shows the MCP URL; Settings → Integrations and its three guides render with it. An MCP client
// (scripted here over HTTP, as the official SDKs do it: dynamic registration, PKCE, `resource`
// = the MCP URL) is approved by the person in the browser; it lists the chart and drafts a
// journal entry through `tools/call` (2026-07-28 era). The connection then appears in OAuth
// Connections (with its detail page) and its draft in Drafts to review, authored by it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import { CHROMIUM, REQUIRE_ALL, freshCode, launch, shot, startServer } from "../lib.mjs";

const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium) {
  if (REQUIRE_ALL) {
    test("chromium is installed", () => assert.fail(`NEWLEDGER_REQUIRE_ALL=1 but ${CHROMIUM} is missing`));
  } else {
    console.log("skipped: chromium not installed");
  }
}
const suite = { skip: !haveChromium, timeout: 600000 };
const CLIENT = "Books Assistant";

// The MCP client's redirect URI: a loopback server that records where the browser came back to.
let REDIRECT;
let arrived = () => {};
const callbackServer = http.createServer((req, res) => {
  res.writeHead(200, { "content-type": "text/plain" }).end("Back at the assistant.");
  arrived(new URL(req.url, REDIRECT));
});
let server;
let browser;
let page;
let mcpUrl;
let accessToken;
const consoleErrors = [];

before(async () => {
  if (!haveChromium) return;
  await new Promise((r) => callbackServer.listen(0, "127.0.0.1", r));
  REDIRECT = `http://127.0.0.1:${callbackServer.address().port}/callback`;
  server = await startServer();
  mcpUrl = `${server.base}/mcp/${server.companyId}`;
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await page.goto(`${server.base}/signin`);
  await page.getByLabel("E-mail").fill(server.email);
  await page.getByLabel("Password").fill(server.password);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByLabel("6-digit code").fill(await freshCode(server.totpSecret));
  await page.getByRole("button", { name: "Verify and sign in" }).click();
  await page.waitForURL(/\/app\//);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
  callbackServer.close();
});

const settings = (rest) => `${server.base}/app/${server.companyId}/settings${rest}`;

/** One `tools/call` in the 2026-07-28 era (no session); the JSON-RPC result. */
async function callTool(name, args) {
  const r = await fetch(mcpUrl, {
    method: "POST",
    headers: {
      authorization: `Bearer ${accessToken}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": "tools/call",
      "mcp-name": name,
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: {
        name,
        arguments: args,
        _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} },
      },
    }),
  });
  const body = await r.json();
  assert.equal(r.status, 200, JSON.stringify(body));
  assert.notEqual(body.result?.isError, true, JSON.stringify(body));
  return body.result.structuredContent;
}

test("the MCP Server tab shows the company's MCP URL", suite, async () => {
  await page.goto(settings("/app-connect/mcp"));
  await page.getByRole("heading", { name: "MCP Server" }).waitFor();
  assert.equal(await page.locator("#mcp-url").innerText(), mcpUrl);
  await page.getByText("No assistant is connected").waitFor();
  await shot(page, "30-mcp-server-tab");
});

test("Integrations and its guides render with the MCP URL", suite, async () => {
  await page.goto(settings("/integrations"));
  await page.getByRole("heading", { name: "Integrations" }).waitFor();
  assert.equal(await page.locator("#mcp-url").innerText(), mcpUrl);
  await shot(page, "31-integrations");
  for (const [slug, name] of [["chatgpt", "ChatGPT"], ["claude", "Claude"], ["mcp-client", "Any MCP client"]]) {
    await page.goto(settings(`/integrations/${slug}`));
    await page.getByRole("heading", { name: `Connect ${name}` }).waitFor();
    assert.ok((await page.locator("body").innerText()).includes(mcpUrl), `${slug} shows the URL`);
  }
  await shot(page, "32-integration-claude-or-last");
});

test("an MCP client the person approves drafts an entry that waits for review", suite, async () => {
  // The client knows only the MCP URL: the 401 challenge points at the metadata…
  const challenge = await fetch(mcpUrl, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  assert.equal(challenge.status, 401);
  const meta = (challenge.headers.get("www-authenticate") ?? "").match(/resource_metadata="([^"]+)"/)?.[1];
  const prm = await (await fetch(meta)).json();
  assert.equal(prm.resource, mcpUrl);
  // …it registers itself and sends the person to consent, naming the MCP URL as resource.
  const reg = await fetch(`${prm.authorization_servers[0]}/oauth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_name: CLIENT, redirect_uris: [REDIRECT], token_endpoint_auth_method: "none" }),
  });
  assert.equal(reg.status, 201);
  const client = (await reg.json()).client_id;
  const verifier = crypto.randomBytes(32).toString("base64url");
  const q = new URLSearchParams({
    response_type: "code",
    client_id: client,
    redirect_uri: REDIRECT,
    code_challenge: crypto.createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    scope: "accounts:read journal:draft",
    resource: mcpUrl,
    state: "mcp-1",
  });
  await page.goto(`${server.base}/oauth/authorize?${q}`);
  await page.getByRole("heading", { name: `${CLIENT} wants to use your books` }).waitFor();
  await page.getByLabel("Confirm with your 6-digit authenticator code").fill(await freshCode(server.totpSecret));
  const back = new Promise((resolve) => { arrived = resolve; });
  await page.getByRole("button", { name: "Approve" }).click();
  const cb = await back;
  assert.equal(cb.searchParams.get("state"), "mcp-1");
  const t = await fetch(`${server.base}/oauth/token`, {
    method: "POST",
    body: new URLSearchParams({ grant_type: "authorization_code", client_id: client, code: cb.searchParams.get("code"), code_verifier: verifier, redirect_uri: REDIRECT, resource: mcpUrl }),
  });
  const tokens = await t.json();
  assert.equal(t.status, 200, JSON.stringify(tokens));
  accessToken = tokens.access_token;

  // The assistant reads the chart and drafts a journal entry.
  const { accounts } = await callTool("list_accounts", {});
  const expense = accounts.find((a) => a.class === "expense" && a.role === "general" && !a.archived);
  const bank = accounts.find((a) => a.role === "bank" && !a.archived);
  const today = new Date().toISOString().slice(0, 10);
  const draft = await callTool("draft_journal_entry", {
    idempotency_key: "browser-mcp-1",
    date: today,
    memo: "Printer paper, drafted by the assistant",
    lines: [
      { account_id: expense.id, description: "Printer paper", debit: "42.00" },
      { account_id: bank.id, description: "Paid by card", credit: "42.00" },
    ],
  });
  assert.equal(draft.status, "waiting_for_review");
  assert.ok(draft.review_url.startsWith(`${server.base}/app/${server.companyId}/journal/`), draft.review_url);

  // The connection is listed in OAuth Connections, with the MCP URL it may call…
  await page.goto(settings("/app-connect/oauth"));
  const row = page.locator("tbody tr", { hasText: CLIENT });
  await row.getByText(mcpUrl).waitFor();
  await row.getByText("journal:draft").waitFor();
  await shot(page, "33-mcp-connection-listed");
  // …and on its detail page, with what it did.
  await row.getByRole("link", { name: CLIENT }).click();
  await page.getByRole("heading", { name: CLIENT }).waitFor();
  await page.getByText("oauth.consent_granted").waitFor();
  await page.getByText(REDIRECT).waitFor();
  await shot(page, "34-mcp-connection-detail");
  // The MCP Server tab lists it as using the MCP URL.
  await page.goto(settings("/app-connect/mcp"));
  assert.equal(await page.getByText("No assistant is connected").count(), 0);
  await page.getByText(CLIENT).first().waitFor();

  // Its draft waits in Drafts to review, authored by the connection.
  await page.goto(`${server.base}/app/${server.companyId}/drafts?by=programs`);
  await page.getByRole("heading", { name: "Drafts to review" }).waitFor();
  const drafted = page.locator("tbody tr", { hasText: "Printer paper, drafted by the assistant" });
  await drafted.waitFor();
  const by = await drafted.innerText();
  assert.match(by, new RegExp(`${CLIENT} \\(connected by [^)]+\\)`), `drafted by the connection: ${by}`);
  await shot(page, "35-mcp-draft-to-review");
  assert.deepEqual(consoleErrors, [], "no console or CSP errors");
});
