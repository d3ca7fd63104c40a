// Issue 16, reading and layout, in Chromium: axe-core over the main pages; the activity log in
// words with an actor picked from a list; the company time zone on every instant; the
// journal form's Add line and live totals; deleting a contact with a confirmation; App
// Connect and the navigation at phone width. Screenshots land in screenshots/2x-*.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { CHROMIUM, REQUIRE_ALL, axeViolations, freshCode, launch, shot, startServer } from "../lib.mjs";

const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium) {
  if (REQUIRE_ALL) {
    test("chromium is installed", () => assert.fail(`NEWLEDGER_REQUIRE_ALL=1 but ${CHROMIUM} is missing`));
  } else {
    console.log("skipped: chromium not installed");
  }
}

let server;
let browser;
let ctx;
let page;
const consoleErrors = [];
const suite = { skip: !haveChromium, timeout: 600000 };
const app = (rest = "") => `${server.base}/app/${server.companyId}${rest}`;

before(async () => {
  if (!haveChromium) return;
  server = await startServer();
  browser = await launch();
  ctx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  page = await ctx.newPage();
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await page.goto(`${server.base}/signin`);
  await page.getByLabel("E-mail").fill(server.email);
  await page.getByLabel("Password").fill(server.password);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByLabel("6-digit code").fill(await freshCode(server.totpSecret));
  await page.getByRole("button", { name: "Verify and sign in" }).click();
  await page.getByRole("heading", { name: "Dashboard" }).waitFor();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

/** Opens a page and checks it with axe-core; returns nothing, fails with every violation. */
async function accessible(path, name) {
  await page.goto(app(path));
  await page.locator("main h1").first().waitFor();
  assert.deepEqual(await axeViolations(page), [], `${name} (${path}) passes axe-core`);
}

test("axe-core finds nothing on the main pages", suite, async () => {
  await accessible("", "dashboard");
  // The numbers under the cash chart start with the latest month; the table is as tall as its rows.
  await page.getByText("Show the numbers").click();
  const months = await page.locator("table:has(caption:text('Month-end cash balance')) tbody tr td:first-child").allInnerTexts();
  assert.ok(months.length >= 2 && new Date(`1 ${months[0]}`) > new Date(`1 ${months[1]}`), `newest first: ${months}`);
  await shot(page, "21-dashboard-numbers");
  await accessible("/invoices", "invoices");
  await page.locator("main tbody a").first().click();
  await page.locator("main h1").waitFor();
  assert.deepEqual(await axeViolations(page), [], "an invoice passes axe-core");
  for (const [path, name] of [["/bills", "bills"], ["/contacts", "contacts"], ["/journal", "journal"], ["/drafts", "drafts"],
    ["/accounts", "chart of accounts"], ["/reports", "reports"], ["/reports/profit-and-loss", "profit and loss"],
    ["/reports/ar-aging", "receivables aging"], ["/general-ledger", "general ledger"], ["/settings/app-connect", "App Connect"],
    ["/settings/app-connect/oauth", "OAuth connections"], ["/settings/app-connect/mcp", "MCP server"],
    ["/settings/members", "members"], ["/settings/company", "company settings"], ["/activity", "activity log"]]) {
    await accessible(path, name);
  }
  // The general ledger's Download CSV sits level with Run report.
  await page.goto(app("/general-ledger"));
  const run = await page.getByRole("button", { name: "Run report" }).boundingBox();
  const csv = await page.getByRole("link", { name: "Download CSV" }).boundingBox();
  assert.ok(Math.abs(run.y - csv.y) <= 1 && Math.abs(run.height - csv.height) <= 1, `aligned: ${JSON.stringify({ run, csv })}`);
  // The Menu button belongs to narrow screens only.
  assert.equal(await page.getByRole("button", { name: "Menu" }).isVisible(), false);
  await page.goto(app("/reports"));
  const card = page.locator("a.report-card").first();
  assert.equal(await card.evaluate((a) => getComputedStyle(a).textDecorationLine), "none", "report cards are not underlined");
});

test("the company time zone shows on every instant, exact on hover", suite, async () => {
  await page.goto(app("/settings/company"));
  await page.getByLabel("Time zone").fill("Mars/Olympus");
  await page.getByRole("button", { name: "Save settings" }).click();
  await page.getByText("Time zone: must be an IANA time zone name").waitFor();
  consoleErrors.splice(consoleErrors.findIndex((e) => e.includes("422")), 1);
  await page.getByLabel("Time zone").fill("Asia/Tokyo");
  await page.getByRole("button", { name: "Save settings" }).click();
  await page.getByText("Company settings saved.").waitFor();
  await page.goto(app("/activity"));
  const first = page.locator("main tbody tr").first().locator("time");
  assert.match(await first.innerText(), /JST$/);
  assert.match(await first.getAttribute("datetime"), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  await page.goto(app("/settings/app-connect"));
  const lastUsed = page.locator("main tbody tr").first().locator("td[data-label='Last used'] time");
  if (await lastUsed.count()) {
    assert.match(await lastUsed.innerText(), /ago|just now/);
    assert.match(await lastUsed.getAttribute("title"), /JST$/);
  }
  assert.match(await page.locator("main tbody tr").first().locator("td[data-label='Created'] time").getAttribute("title"), /\d{4}, \d\d:\d\d JST$/);
});

test("the activity log reads in words and filters by a picked actor", suite, async () => {
  await page.goto(app("/activity"));
  await page.getByText("Company settings changed").first().waitFor();
  const who = page.getByLabel("Who");
  const person = await who.locator("optgroup[label='People'] option").first();
  const label = await person.innerText();
  await who.selectOption(await person.getAttribute("value"));
  await page.getByRole("button", { name: "Apply filters" }).click();
  await page.waitForURL(/actor=user%3Ausr_/);
  const actors = await page.locator("main tbody td[data-label='Who'] a").allInnerTexts();
  assert.ok(actors.length > 0 && actors.every((a) => a === label), `only ${label}: ${actors}`);
  assert.match(await page.locator(".pager span").innerText(), /^\d+ events? shown/);
  await who.selectOption("app");
  await page.getByRole("button", { name: "Apply filters" }).click();
  assert.ok((await page.locator("main tbody td[data-label='Who'] .badge").allInnerTexts()).every((k) => k === "app"), "only apps");
  await shot(page, "22-activity-words");
  // At 1366 px nothing is clipped: the table fits its card.
  const { table, card } = await page.evaluate(() => ({
    table: document.querySelector("table.log")?.scrollWidth ?? 0,
    card: document.querySelector("table.log")?.parentElement.clientWidth ?? 1,
  }));
  assert.ok(table <= card + 1, `the log fits (${table} ≤ ${card})`);
});

test("a journal entry gets more lines and live totals while typing", suite, async () => {
  await page.goto(app("/journal/new"));
  const rows = await page.locator("tr[data-line]").count();
  await page.getByRole("button", { name: "Add line" }).click();
  assert.equal(await page.locator("tr[data-line]").count(), rows + 1);
  await page.getByLabel("Line 1 account").selectOption({ label: "1000 Business Bank Account" });
  await page.getByLabel("Line 1 debit").fill("100.50");
  await page.getByLabel(`Line ${rows + 1} account`).selectOption({ label: "3000 Owner's Capital" });
  await page.getByLabel(`Line ${rows + 1} credit`).fill("100");
  assert.match(await page.locator("#jr-debits").innerText(), /^100\.50 [A-Z]{3}$/);
  assert.match(await page.locator("#jr-diff").innerText(), /out of balance by 0\.50/);
  await page.getByLabel(`Line ${rows + 1} credit`).fill("100.50");
  assert.match(await page.locator("#jr-diff").innerText(), /balanced/);
  await shot(page, "23-journal-live-totals");
  await page.getByRole("button", { name: "Save as draft" }).click();
  await page.getByText(/saved as a draft/).waitFor();
  assert.ok((await page.locator("main").innerText()).includes("100.50"), "the server kept the added line");
});

test("a contact nothing refers to is deleted after a confirmation", suite, async () => {
  await page.goto(app("/contacts/new"));
  await page.getByLabel("Name").fill("Spare Parts Ltd");
  await page.getByRole("button", { name: "Add contact" }).click();
  await page.getByRole("heading", { name: "Spare Parts Ltd" }).waitFor();
  await page.getByRole("button", { name: "Delete contact" }).click();
  await page.getByRole("heading", { name: "Delete Spare Parts Ltd?" }).waitFor();
  await shot(page, "24-delete-contact");
  await page.getByRole("button", { name: "Delete contact" }).click();
  await page.getByText("Contact Spare Parts Ltd deleted.").waitFor();
  assert.equal(await page.getByRole("link", { name: "Spare Parts Ltd" }).count(), 0);
  // A contact with documents offers no button and says why.
  await page.locator("main tbody a").first().click();
  await page.locator("main h1").waitFor();
  if (await page.getByText("cannot be deleted").count()) {
    assert.equal(await page.getByRole("button", { name: "Delete contact" }).count(), 0);
  }
});

test("App Connect at phone width: a menu, and rows that keep status, expiry and last used in view", suite, async () => {
  const phone = await ctx.newPage();
  phone.on("pageerror", (e) => consoleErrors.push(String(e)));
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.goto(app("/settings/app-connect"));
  const menu = phone.getByRole("button", { name: "Menu" });
  await menu.waitFor();
  assert.equal(await phone.getByRole("navigation", { name: "Main" }).isVisible(), false, "the navigation is folded");
  await menu.click();
  assert.equal(await menu.getAttribute("aria-expanded"), "true");
  await phone.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Activity log" }).waitFor();
  await shot(phone, "25-phone-menu-open");
  await menu.click();
  const row = phone.locator("main table.stack-rows tbody tr").first();
  for (const label of ["Status", "Expires", "Last used"]) {
    const box = await row.locator(`td[data-label='${label}']`).boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 390 && box.width > 0, `${label} is in view: ${JSON.stringify(box)}`);
  }
  const wide = await phone.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 390, `no sideways scrolling (${wide})`);
  await shot(phone, "26-phone-app-connect");
  assert.deepEqual(await axeViolations(phone), [], "App Connect at phone width passes axe-core");
  await phone.close();
});

test("no console or CSP errors on the way", suite, async () => {
  assert.deepEqual(consoleErrors, []);
});
