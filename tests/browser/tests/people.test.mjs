// People (issue 16) in a real browser, with mail delivered to a real SMTP server on loopback
// (tests/smtp-sink/sink.py, aiosmtpd): an owner invites a person, the link is read from the
// sink, the invitee sets a password, enrols TOTP and lands in the company with the role; the
// owner sees their sessions and signs out another; the owner resets the member's two-factor;
// the member recovers their password by e-mail and enrols again. Screenshots in screenshots/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { CHROMIUM, REQUIRE_ALL, freshCode, launch, linkIn, shot, sinkPython, startServer, startSink } from "../lib.mjs";

const haveChromium = fs.existsSync(CHROMIUM);
const haveSink = sinkPython() !== null;
for (const [ok, what] of [[haveChromium, `chromium (${CHROMIUM})`], [haveSink, "aiosmtpd (tests/smtp-sink/setup.sh)"]]) {
  if (ok) continue;
  if (REQUIRE_ALL) test(`${what} is installed`, () => assert.fail(`NEWLEDGER_REQUIRE_ALL=1 but ${what} is missing`));
  else console.log(`skipped: ${what} not installed`);
}

const suite = { skip: !haveChromium || !haveSink, timeout: 600000 };
let sink;
let server;
let browser;
let owner;
let member;
const email = `ivy-${Date.now()}@example.com`;
const password = "ivy's long password";
const consoleErrors = [];

function watch(p) {
  p.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  p.on("pageerror", (e) => consoleErrors.push(String(e)));
}

async function newPage() {
  const ctx = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const p = await ctx.newPage();
  watch(p);
  return p;
}

async function signInOwner(p) {
  await p.goto(`${server.base}/signin`);
  await p.getByLabel("E-mail").fill(server.email);
  await p.getByLabel("Password").fill(server.password);
  await p.getByRole("button", { name: "Continue" }).click();
  await p.getByLabel("6-digit code").fill(await freshCode(server.totpSecret));
  await p.getByRole("button", { name: "Verify and sign in" }).click();
  await p.getByRole("heading", { name: "Dashboard" }).waitFor();
}

/** On the enrolment page: reads the key, confirms with a fresh code, continues. */
async function enrol(p) {
  await p.getByRole("img", { name: /QR code/ }).waitFor();
  const secret = (await p.locator("#manual-key").innerText()).replace(/\s+/g, "");
  await p.getByLabel("6-digit code from your app").fill(await freshCode(secret));
  await p.getByRole("button", { name: "Confirm and turn on two-factor" }).click();
  await p.getByText("They will not be shown again.").waitFor();
  await p.getByRole("link", { name: /continue to NewLedger/ }).click();
  await p.getByRole("heading", { name: "Dashboard" }).waitFor();
  return secret;
}

before(async () => {
  if (suite.skip) return;
  sink = await startSink();
  server = await startServer({ NEWLEDGER_SMTP_URL: sink.url, NEWLEDGER_MAIL_FROM: "Books <books@example.com>" });
  browser = await launch();
  owner = await newPage();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
  if (sink) await sink.stop();
});

test("an owner invites a person by e-mail; the invitation is pending", suite, async () => {
  await signInOwner(owner);
  await owner.getByRole("link", { name: "Members" }).click();
  await owner.getByLabel("E-mail").fill(email);
  await owner.getByLabel("Role", { exact: true }).selectOption("accountant");
  await owner.getByRole("button", { name: "Send invitation" }).click();
  await owner.getByText(`Invitation sent to ${email}`).waitFor();
  const row = owner.locator("#inv-h + table tr", { hasText: email });
  await row.getByText("accountant").waitFor();
  await shot(owner, "people-01-invitation-pending");
});

test("the invitee opens the mailed link, sets a password, enrols TOTP and lands in the company", suite, async () => {
  const mail = await sink.waitFor(email);
  assert.match(mail.subject, /invites you to/);
  assert.match(mail.header_from, /books@example\.com/);
  const link = linkIn(mail, `${server.base}/invite/`);
  member = await newPage();
  await member.goto(link);
  await member.getByRole("heading", { name: /^Join / }).waitFor();
  await shot(member, "people-02-invitation");
  await member.getByLabel("Your name").fill("Ivy Invited");
  await member.getByLabel("Choose a password").fill(password);
  await member.getByRole("button", { name: "Create account and join" }).click();
  await enrol(member);
  await member.getByText(`${email} · accountant`).waitFor();
  await shot(member, "people-03-joined");
  // The link worked once.
  const again = await newPage();
  await again.goto(link);
  await again.getByText("This invitation no longer works").waitFor();
  await again.context().close();
});

test("a person sees their sessions and signs out another", suite, async () => {
  const second = await newPage();
  await signInOwner(second);
  await owner.getByRole("link", { name: "Your sessions" }).click();
  await owner.getByRole("heading", { name: "Your sessions" }).waitFor();
  assert.equal(await owner.getByRole("button", { name: /^Sign out the session from/ }).count(), 1);
  await shot(owner, "people-04-sessions");
  await owner.getByRole("button", { name: /^Sign out the session from/ }).click();
  await owner.getByText("1 other session was signed out.").waitFor();
  await second.reload();
  assert.match(second.url(), /\/signin$/);
  await second.context().close();
});

test("an owner resets the member's two-factor with their own code", suite, async () => {
  await owner.getByRole("link", { name: "Members" }).click();
  const row = owner.locator("tr", { hasText: email });
  await row.getByText("Reset two-factor").first().click();
  await row.getByLabel("Your 6-digit code to confirm").fill(await freshCode(server.totpSecret));
  await shot(owner, "people-05-reset-two-factor");
  await row.getByRole("button", { name: `Reset two-factor authentication of ${email}` }).click();
  await owner.getByText(`${email} sets up two-factor authentication again`).waitFor();
  await member.reload();
  assert.match(member.url(), /\/signin$/, "the member was signed out");
});

test("the member recovers their password by e-mail and enrols again", suite, async () => {
  const before = sink.messages().length;
  await member.getByRole("link", { name: "Forgot your password?" }).click();
  await member.getByLabel("E-mail").fill(email);
  await member.getByRole("button", { name: "Send me a reset link" }).click();
  await member.locator("#forgot-sent").waitFor();
  await shot(member, "people-06-forgot-sent");
  const mail = await sink.waitFor(email, before);
  assert.match(mail.subject, /Reset your NewLedger password/);
  await member.goto(linkIn(mail, `${server.base}/signin/reset/`));
  await member.getByRole("heading", { name: "Choose a new password" }).waitFor();
  await member.getByLabel("New password").fill("ivy's newer long password");
  await shot(member, "people-07-reset");
  await member.getByRole("button", { name: "Set new password and sign in" }).click();
  // Two-factor was reset by the owner: the reset leads to enrolment, never straight in.
  await enrol(member);
  await member.getByText(`${email} · accountant`).waitFor();
  const unexpected = consoleErrors.filter((e) => !/status of (401|403|404|422)/.test(e));
  assert.deepEqual(unexpected, []);
});
