// Calls every list, report and export endpoint of a running server through a client generated
// from docs/openapi.json: openapi-typescript turns the document into types, tsc checks every
// call below against them (a parameter declared in the wrong place fails the build), and
// openapi-fetch builds the requests from the same declarations at run time.
import { test } from "node:test";
import assert from "node:assert/strict";
import createClient from "openapi-fetch";
import type { paths } from "../generated/api.js";

const base = need("NL_BASE");
const company_id = need("NL_COMPANY");
const client = createClient<paths>({ baseUrl: base });

function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run through run.sh)`);
  return v;
}

async function token(): Promise<string> {
  const { data, error, response } = await client.POST("/oauth/token", {
    body: {
      grant_type: "client_credentials",
      client_id: need("NL_CLIENT_ID"),
      client_secret: need("NL_CLIENT_SECRET"),
    },
    bodySerializer: (b) => new URLSearchParams(b as Record<string, string>).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  assert.equal(response.status, 200, JSON.stringify(error));
  assert.ok(data);
  assert.ok(data.access_token.startsWith("nlat_"));
  return data.access_token;
}

const auth = { Authorization: `Bearer ${await token()}` };
const path = { company_id };
const today = new Date().toISOString().slice(0, 10);
const yearAgo = new Date(Date.now() - 365 * 86_400_000).toISOString().slice(0, 10);

/** Follows `next_cursor` to the end; returns how many records came back. */
async function walk(
  fetchPage: (cursor?: string) => Promise<{ data?: { data: unknown[]; next_cursor?: string | null }; response: Response }>,
): Promise<number> {
  let cursor: string | undefined;
  let n = 0;
  for (let pages = 0; pages < 1000; pages++) {
    const { data, response } = await fetchPage(cursor);
    assert.equal(response.status, 200, response.url);
    assert.ok(data, response.url);
    n += data.data.length;
    if (!data.next_cursor) return n;
    cursor = data.next_cursor;
  }
  throw new Error("more than 1000 pages");
}

test("lists page through the typed client", async () => {
  const limit = 25;
  const counts: Record<string, number> = {
    contacts: await walk((cursor) =>
      client.GET("/api/v1/companies/{company_id}/contacts", { params: { path, query: { limit, cursor } }, headers: auth })),
    invoices: await walk((cursor) =>
      client.GET("/api/v1/companies/{company_id}/invoices", { params: { path, query: { limit, cursor, from: yearAgo, to: today } }, headers: auth })),
    bills: await walk((cursor) =>
      client.GET("/api/v1/companies/{company_id}/bills", { params: { path, query: { limit, cursor } }, headers: auth })),
    expenses: await walk((cursor) =>
      client.GET("/api/v1/companies/{company_id}/expenses", { params: { path, query: { limit, cursor } }, headers: auth })),
    journal: await walk((cursor) =>
      client.GET("/api/v1/companies/{company_id}/journal-entries", { params: { path, query: { limit, cursor } }, headers: auth })),
    payments: await walk((cursor) =>
      client.GET("/api/v1/companies/{company_id}/payments", { params: { path, query: { limit, cursor } }, headers: auth })),
    accounts: await walk(() => client.GET("/api/v1/companies/{company_id}/accounts", { params: { path }, headers: auth })),
    bank: await walk(() => client.GET("/api/v1/companies/{company_id}/bank-accounts", { params: { path }, headers: auth })),
  };
  for (const [what, n] of Object.entries(counts)) assert.ok(n > 0, `${what}: nothing listed`);

  // A filter by contact through the typed query.
  const first = await client.GET("/api/v1/companies/{company_id}/contacts", { params: { path, query: { limit: 1 } }, headers: auth });
  const contact = first.data?.data[0];
  assert.ok(contact);
  const byContact = await client.GET("/api/v1/companies/{company_id}/invoices", {
    params: { path, query: { contact_id: contact.id, limit: 1000 } },
    headers: auth,
  });
  assert.equal(byContact.response.status, 200);
  for (const d of byContact.data?.data ?? []) assert.equal(d.contact_id, contact.id);

  const company = await client.GET("/api/v1/companies/{company_id}/company", { params: { path }, headers: auth });
  assert.equal(company.data?.id, company_id);
});

test("reports answer through the typed client", async () => {
  const asOf = { path, query: { as_of: today } };
  const range = { path, query: { from: yearAgo, to: today } };
  const tb = await client.GET("/api/v1/companies/{company_id}/reports/trial-balance", { params: asOf, headers: auth });
  assert.equal(tb.response.status, 200);
  assert.ok(tb.data);
  for (const r of [
    await client.GET("/api/v1/companies/{company_id}/reports/balance-sheet", { params: asOf, headers: auth }),
    await client.GET("/api/v1/companies/{company_id}/reports/ar-aging", { params: asOf, headers: auth }),
    await client.GET("/api/v1/companies/{company_id}/reports/ap-aging", { params: asOf, headers: auth }),
    await client.GET("/api/v1/companies/{company_id}/reports/profit-and-loss", { params: range, headers: auth }),
    await client.GET("/api/v1/companies/{company_id}/reports/cash-summary", { params: range, headers: auth }),
    await client.GET("/api/v1/companies/{company_id}/reports/expenses", { params: range, headers: auth }),
  ]) {
    assert.equal(r.response.status, 200, r.response.url);
    assert.ok(r.data, r.response.url);
  }

  // The general ledger with every optional query parameter, page by page.
  const accounts = await client.GET("/api/v1/companies/{company_id}/accounts", { params: { path }, headers: auth });
  const account_id = accounts.data?.data[0]?.id;
  assert.ok(account_id);
  let lines = 0;
  let cursor: string | undefined;
  do {
    const page = await client.GET("/api/v1/companies/{company_id}/reports/general-ledger", {
      params: { path, query: { from: yearAgo, to: today, limit: 50, cursor } },
      headers: auth,
    });
    assert.equal(page.response.status, 200, page.response.url);
    assert.ok(page.data);
    assert.equal(page.data.from, yearAgo);
    lines += page.data.data.length;
    cursor = page.data.next_cursor ?? undefined;
  } while (cursor);
  assert.ok(lines > 50, `${lines} general ledger lines`);
  const one = await client.GET("/api/v1/companies/{company_id}/reports/general-ledger", {
    params: { path, query: { account_id, limit: 1000 } },
    headers: auth,
  });
  assert.equal(one.response.status, 200);
  for (const l of one.data?.data ?? []) assert.equal(l.account_id, account_id);
});

test("ledger exports in every format through the typed client", async () => {
  for (const format of ["hledger", "beancount", "csv", "csv-raw"] as const) {
    const r = await client.GET("/api/v1/companies/{company_id}/exports/ledger", {
      params: { path, query: { format, from: yearAgo, to: today } },
      headers: auth,
      parseAs: "text",
    });
    assert.equal(r.response.status, 200, `${format}: ${r.response.status}`);
    assert.ok((r.data ?? "").length > 1000, `${format}: short file`);
    const type = r.response.headers.get("content-type") ?? "";
    assert.ok(type.startsWith(format.startsWith("csv") ? "text/csv" : "text/plain"), type);
  }
});
