// The tool calls every client makes, from the tool list alone: a report, and a drafted journal
// entry on two of the company's own accounts (looked up with the accounts tool).

/** The trial balance report as of today. */
export function reportCall(tools) {
  const t = tools.find((x) => x.name === "trial_balance");
  if (!t) throw new Error(`no trial_balance tool among ${tools.map((x) => x.name).join(", ")}`);
  return { name: t.name, arguments: {} };
}

/**
 * A balanced draft journal entry (12.50 from a bank account to an expense account) with the
 * given idempotency key, ready to be called twice.
 */
export async function draftCall(tools, client, key) {
  for (const n of ["list_accounts", "draft_journal_entry"]) {
    if (!tools.some((x) => x.name === n)) throw new Error(`no ${n} tool among ${tools.map((x) => x.name).join(", ")}`);
  }
  const r = await client.callTool({ name: "list_accounts", arguments: {} });
  if (r.isError) throw new Error(`list_accounts: ${JSON.stringify(r.content)}`);
  const accounts = r.structuredContent.accounts.filter((a) => !a.archived);
  const expense = accounts.find((a) => a.class === "expense" && a.role === "general");
  const bank = accounts.find((a) => a.role === "bank");
  if (!expense || !bank) throw new Error(`no expense and bank accounts in ${JSON.stringify(accounts)}`);
  return {
    name: "draft_journal_entry",
    arguments: {
      idempotency_key: key,
      date: new Date().toISOString().slice(0, 10),
      memo: `MCP interop ${key}`,
      lines: [
        { account_id: expense.id, description: "Office supplies", debit: "12.50" },
        { account_id: bank.id, description: "Paid from the bank", credit: "12.50" },
      ],
    },
  };
}

/** What identifies a drafted result across a retry (the retry says it was replayed). */
export function draftIdentity(result) {
  const s = result.structuredContent ?? {};
  const { replayed, ...rest } = s;
  return rest;
}
