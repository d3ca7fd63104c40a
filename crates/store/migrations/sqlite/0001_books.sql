-- NewLedger schema. Portable types only (TEXT, BIGINT) so that one set of queries serves
-- SQLite and PostgreSQL: dates are ISO-8601 TEXT (they sort as dates), instants are BIGINT
-- milliseconds since the Unix epoch, money is BIGINT minor units, flags are BIGINT 0/1.

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    totp_secret TEXT,
    totp_enabled BIGINT NOT NULL DEFAULT 0,
    totp_last_step BIGINT NOT NULL DEFAULT 0,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE companies (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    currency TEXT NOT NULL,
    is_live BIGINT NOT NULL DEFAULT 1,
    lock_date TEXT,
    fiscal_year_start_month BIGINT NOT NULL DEFAULT 1,
    fiscal_year_start_day BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE memberships (
    company_id TEXT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (company_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE counters (
    company_id TEXT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    next_value BIGINT NOT NULL,
    PRIMARY KEY (company_id, name)
);

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    class TEXT NOT NULL,
    role TEXT NOT NULL,
    archived BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (company_id, code)
);

CREATE TABLE contacts (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    email TEXT,
    is_customer BIGINT NOT NULL,
    is_supplier BIGINT NOT NULL,
    tax_number TEXT,
    address TEXT,
    created_by_kind TEXT NOT NULL,
    created_by_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX contacts_company_updated ON contacts (company_id, updated_at);

-- Invoices, bills and expenses. Lines are a JSON array: they are always read and written with
-- their document, and the ledger (journal_lines) holds what was posted.
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    number TEXT NOT NULL,
    status TEXT NOT NULL,
    contact_id TEXT REFERENCES contacts(id),
    issue_date TEXT NOT NULL,
    due_date TEXT NOT NULL,
    reference TEXT NOT NULL DEFAULT '',
    currency TEXT NOT NULL,
    lines TEXT NOT NULL,
    subtotal BIGINT NOT NULL,
    tax BIGINT NOT NULL,
    total BIGINT NOT NULL,
    amount_paid BIGINT NOT NULL DEFAULT 0,
    payment_account_id TEXT REFERENCES accounts(id),
    entry_id TEXT,
    void_entry_id TEXT,
    settled_on TEXT,
    created_by_kind TEXT NOT NULL,
    created_by_id TEXT NOT NULL,
    approved_by TEXT,
    approved_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (company_id, kind, number)
);
CREATE INDEX documents_list ON documents (company_id, kind, id);
CREATE INDEX documents_updated ON documents (company_id, kind, updated_at);
CREATE INDEX documents_status ON documents (company_id, status);
-- Aging reads only documents not settled as of the report date.
CREATE INDEX documents_open ON documents (company_id, kind, settled_on, issue_date);

CREATE TABLE journal_entries (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
    number TEXT NOT NULL,
    date TEXT NOT NULL,
    memo TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    source TEXT NOT NULL,
    source_id TEXT,
    reverses_id TEXT,
    reversed_by_id TEXT,
    lines TEXT NOT NULL,
    total BIGINT NOT NULL,
    created_by_kind TEXT NOT NULL,
    created_by_id TEXT NOT NULL,
    posted_by TEXT,
    posted_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (company_id, number)
);
CREATE INDEX journal_entries_list ON journal_entries (company_id, id);
CREATE INDEX journal_entries_updated ON journal_entries (company_id, updated_at);
CREATE INDEX journal_entries_status ON journal_entries (company_id, status, date);

-- The ledger: posted lines only, never updated or deleted.
CREATE TABLE journal_lines (
    entry_id TEXT NOT NULL REFERENCES journal_entries(id),
    line_no BIGINT NOT NULL,
    company_id TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    date TEXT NOT NULL,
    description TEXT NOT NULL,
    contact_id TEXT,
    debit BIGINT NOT NULL,
    credit BIGINT NOT NULL,
    PRIMARY KEY (entry_id, line_no)
);
CREATE INDEX journal_lines_account ON journal_lines (company_id, account_id, date, entry_id, line_no);
CREATE INDEX journal_lines_date ON journal_lines (company_id, date, entry_id, line_no);

-- Per-account, per-day totals maintained in the posting transaction so that reports read a
-- few thousand rows instead of every ledger line.
CREATE TABLE account_balances (
    company_id TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    day TEXT NOT NULL,
    debit BIGINT NOT NULL,
    credit BIGINT NOT NULL,
    PRIMARY KEY (account_id, day)
);
CREATE INDEX account_balances_company ON account_balances (company_id, day);

CREATE TABLE payments (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    number TEXT NOT NULL,
    contact_id TEXT NOT NULL REFERENCES contacts(id),
    bank_account_id TEXT NOT NULL REFERENCES accounts(id),
    date TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    reference TEXT NOT NULL DEFAULT '',
    entry_id TEXT NOT NULL,
    created_by_kind TEXT NOT NULL,
    created_by_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX payments_list ON payments (company_id, id);

CREATE TABLE payment_allocations (
    payment_id TEXT NOT NULL REFERENCES payments(id),
    document_id TEXT NOT NULL REFERENCES documents(id),
    company_id TEXT NOT NULL,
    date TEXT NOT NULL,
    amount BIGINT NOT NULL,
    PRIMARY KEY (payment_id, document_id)
);
CREATE INDEX payment_allocations_document ON payment_allocations (document_id, date);

-- API credential apps (and, later, OAuth clients). Secrets are stored only as keyed hashes.
CREATE TABLE apps (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    purpose TEXT NOT NULL,
    owner_user_id TEXT NOT NULL REFERENCES users(id),
    created_by TEXT NOT NULL REFERENCES users(id),
    permissions TEXT NOT NULL,
    status TEXT NOT NULL,
    expires_at BIGINT,
    secret_hash TEXT NOT NULL,
    secret_hint TEXT NOT NULL,
    prev_secret_hash TEXT,
    prev_secret_valid_until BIGINT,
    credential_version BIGINT NOT NULL DEFAULT 1,
    revoked_at BIGINT,
    deleted_at BIGINT,
    last_used_at BIGINT,
    use_count BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX apps_company ON apps (company_id, id);

-- Append-only activity log.
CREATE TABLE activity (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id TEXT,
    at BIGINT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_label TEXT NOT NULL,
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL DEFAULT '',
    target_id TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    details TEXT NOT NULL DEFAULT '{}',
    count BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX activity_company ON activity (company_id, id);
CREATE INDEX activity_target ON activity (target_id, id);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    company_id TEXT,
    csrf_token TEXT NOT NULL,
    stage TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE idempotency_keys (
    principal_id TEXT NOT NULL,
    company_id TEXT NOT NULL,
    method_path TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code BIGINT,
    response_body TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (principal_id, company_id, method_path, key)
);
CREATE INDEX idempotency_created ON idempotency_keys (created_at);

-- Bumped on every change that must reach other nodes' caches (revocations, role changes).
CREATE TABLE cache_epoch (
    id BIGINT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO cache_epoch (id, value) VALUES (1, 0);
