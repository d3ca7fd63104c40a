// OAuth 2.0 delegated access as a person sees it in Chromium: a client (scripted with fetch)
// registers and sends the person to /oauth/authorize; the person signs in, picks the company,
// removes one permission, confirms with TOTP and approves; the client's token works for the
// kept permission and gets 403 insufficient_scope for the removed one. A second request naming
// the company (a fixed company on the consent page) is denied. The person deletes the
// connection in Settings → App Connect → OAuth Connections; the client's next call and its
// refresh fail. Screenshots: the consent page (picker and fixed company) and the tab.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import { CHROMIUM, REQUIRE_ALL, axeViolations, freshCode, launch, shot, startServer } from "../lib.mjs";

const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium) {
  if (REQUIRE_ALL) {
    test("chromium is installed", () => assert.fail(`NEWLEDGER_REQUIRE_ALL=1 but ${CHROMIUM} is missing`));
  } else {
    console.log("skipped: chromium not installed");
  }
}
const suite = { skip: !haveChromium, timeout: 600000 };

// The client's redirect URI: a small server of the test's own that records where the browser
// was sent back to.
let REDIRECT;
let arrived = () => {};
const app = http.createServer((req, res) => {
  res.writeHead(200, { "content-type": "text/plain" }).end("Back at the app.");
  arrived(new URL(req.url, REDIRECT));
});
let server;
let browser;
let page;
let client;
let tokens;
const consoleErrors = [];

before(async () => {
  if (!haveChromium) return;
  await new Promise((r) => app.listen(0, "127.0.0.1", r));
  REDIRECT = `http://127.0.0.1:${app.address().port}/callback`;
  server = await startServer();
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
  app.close();
});

/** The authorization request the client sends the person to; resolves with its PKCE verifier. */
function authorizationUrl({ scope, resource, state }) {
  const verifier = crypto.randomBytes(32).toString("base64url");
  const q = new URLSearchParams({
    response_type: "code",
    client_id: client,
    redirect_uri: REDIRECT,
    code_challenge: crypto.createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    scope,
    state,
  });
  if (resource) q.set("resource", resource);
  return { url: `${server.base}/oauth/authorize?${q}`, verifier };
}

/** Resolves with the URL the browser is sent back to. */
function callback() {
  return new Promise((resolve, reject) => {
    const t = setTimeout(async () => {
      await shot(page, "oauth-no-callback");
      reject(new Error(`the browser was not sent back to the app; it is at ${page.url()}:\n${(await page.locator("body").innerText()).slice(0, 1500)}`));
    }, 60000);
    arrived = (u) => { clearTimeout(t); resolve(u); };
  });
}

async function token(form) {
  const r = await fetch(`${server.base}/oauth/token`, { method: "POST", body: new URLSearchParams(form) });
  return { status: r.status, body: await r.json() };
}

async function api(path) {
  return fetch(`${server.base}/api/v1/companies/${server.companyId}${path}`, {
    headers: { authorization: `Bearer ${tokens.access_token}` },
  });
}

test("a client registers and the person approves it, minus one permission", suite, async () => {
  const reg = await fetch(`${server.base}/oauth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_name: "Ledger Helper", client_uri: "https://helper.example.org", redirect_uris: [REDIRECT] }),
  });
  assert.equal(reg.status, 201);
  client = (await reg.json()).client_id;
  const { url, verifier } = authorizationUrl({ scope: "invoices:read contacts:read", state: "s-1" });
  await page.goto(url);
  assert.match(page.url(), /\/signin$/, "signed out: the sign-in page first");
  await page.getByLabel("E-mail").fill(server.email);
  await page.getByLabel("Password").fill(server.password);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByLabel("6-digit code").fill(await freshCode(server.totpSecret));
  await page.getByRole("button", { name: "Verify and sign in" }).click();
  await page.getByRole("heading", { name: "Ledger Helper wants to use your books" }).waitFor();
  assert.ok(page.url().includes("/oauth/authorize?"), "back to the same request");
  const picker = page.getByLabel("Which company may Ledger Helper use?");
  assert.ok((await picker.locator("option").count()) >= 2, "a picker among the person's companies");
  await page.getByText("Not verified by NewLedger.").waitFor();
  await page.getByText("runs on your own computer").waitFor();
  await shot(page, "20-oauth-consent-picker");
  assert.deepEqual(await axeViolations(page), [], "the consent page passes axe-core");
  await picker.selectOption(server.companyId);
  await page.getByLabel("Read customers and suppliers").uncheck();
  await page.getByLabel("Confirm with your 6-digit authenticator code").fill(await freshCode(server.totpSecret));
  const back = callback();
  await page.getByRole("button", { name: "Approve" }).click();
  const cb = await back;
  assert.equal(cb.searchParams.get("state"), "s-1");
  assert.equal(cb.searchParams.get("iss"), server.base);
  const t = await token({ grant_type: "authorization_code", client_id: client, code: cb.searchParams.get("code"), code_verifier: verifier, redirect_uri: REDIRECT });
  assert.equal(t.status, 200, JSON.stringify(t.body));
  assert.equal(t.body.scope, "invoices:read", "the removed permission is not granted");
  tokens = t.body;
  assert.equal((await api("/invoices")).status, 200, "the kept permission works");
  const refused = await api("/contacts");
  assert.equal(refused.status, 403);
  assert.match(refused.headers.get("www-authenticate") ?? "", /insufficient_scope/);
});

test("signed out, an approved app asking for no more comes straight back after sign-in", suite, async () => {
  const context = await browser.newContext();
  const p = await context.newPage();
  const errors = [];
  p.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  try {
    const { url } = authorizationUrl({ scope: "invoices:read", state: "s-3" });
    await p.goto(url);
    assert.match(p.url(), /\/signin$/);
    await p.getByLabel("E-mail").fill(server.email);
    await p.getByLabel("Password").fill(server.password);
    await p.getByRole("button", { name: "Continue" }).click();
    await p.getByLabel("6-digit code").fill(await freshCode(server.totpSecret));
    const back = callback();
    await p.getByRole("button", { name: "Verify and sign in" }).click();
    const cb = await back.catch((e) => { throw new Error(`${p.url()} ${errors.join(" | ")}`); });
    assert.equal(cb.searchParams.get("state"), "s-3");
    assert.ok(cb.searchParams.get("code"), "a code, without asking again");
  } finally {
    await context.close();
  }
});

test("a request that names the company shows it fixed; the person denies it", suite, async () => {
  const { url } = authorizationUrl({
    scope: "invoices:read bills:read",
    resource: `${server.base}/api/v1/companies/${server.companyId}`,
    state: "s-2",
  });
  await page.goto(url);
  await page.getByRole("heading", { name: "Ledger Helper wants to use your books" }).waitFor();
  assert.equal(await page.getByLabel("Which company may Ledger Helper use?").count(), 0, "no picker");
  await page.getByText("Company:").waitFor();
  await shot(page, "21-oauth-consent-fixed-company");
  const back = callback();
  await page.getByRole("button", { name: "Deny" }).click();
  const cb = await back;
  assert.equal(cb.searchParams.get("error"), "access_denied");
  assert.equal(cb.searchParams.get("state"), "s-2");
});

test("the person deletes the connection; the client's call and refresh fail", suite, async () => {
  await page.goto(`${server.base}/app/${server.companyId}/settings/app-connect/oauth`);
  await page.getByRole("heading", { name: "OAuth Connections" }).waitFor();
  const row = page.locator("tbody tr", { hasText: "Ledger Helper" });
  await row.getByText("invoices:read").waitFor();
  await shot(page, "22-oauth-connections");
  await row.getByLabel("Authenticator code").fill(await freshCode(server.totpSecret));
  await row.getByRole("button", { name: "Delete" }).click();
  await page.waitForLoadState();
  assert.equal(await page.locator("tbody tr", { hasText: "Ledger Helper" }).count(), 0, "gone from the list");
  await shot(page, "23-oauth-connection-deleted");
  const r = await api("/invoices");
  assert.equal(r.status, 401);
  const again = await token({ grant_type: "refresh_token", client_id: client, refresh_token: tokens.refresh_token });
  assert.equal(again.status, 400);
  assert.equal(again.body.error, "invalid_grant");
  assert.deepEqual(consoleErrors, [], "no console or CSP errors");
});
