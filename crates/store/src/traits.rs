//! The storage interface, split into role traits; [`Store`] is all of them, held as
//! `Arc<dyn Store>` by the service.

use crate::StoreResult;
use crate::records::*;
use async_trait::async_trait;
use chrono::NaiveDate;
use newledger_domain::account::Account;
use newledger_domain::app::App;
use newledger_domain::company::Company;
use newledger_domain::contact::{Contact, ContactUsage};
use newledger_domain::document::{Document, DocumentKind};
use newledger_domain::ids::*;
use newledger_domain::journal::Entry;
use newledger_domain::payment::Payment;
use newledger_domain::report::OpenItem;
use newledger_domain::role::Role;

/// People, their second factor and sign-in throttling.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Inserts a user; `Conflict` when the e-mail is taken.
    async fn insert_user(&self, user: &UserRecord) -> StoreResult<()>;
    /// Finds a user by lower-cased e-mail.
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>>;
    /// Finds a user by id.
    async fn user_by_id(&self, id: &UserId) -> StoreResult<Option<UserRecord>>;
    /// Sets (or clears) the TOTP secret and whether it is confirmed; clearing it (`None`, not
    /// enabled) also forgets the last used time step.
    async fn set_totp(
        &self,
        id: &UserId,
        secret: Option<&str>,
        enabled: bool,
        now: i64,
    ) -> StoreResult<()>;
    /// Records `step` as used if it is newer than the last one; false when it was already used
    /// (atomic, so a code cannot be replayed on another node either).
    async fn claim_totp_step(&self, id: &UserId, step: i64) -> StoreResult<bool>;
    /// Sets the failed-sign-in counter and lock.
    async fn set_login_failures(
        &self,
        id: &UserId,
        failures: i64,
        locked_until: Option<i64>,
    ) -> StoreResult<()>;
    /// Replaces the password hash.
    async fn set_password_hash(&self, id: &UserId, hash: &str, now: i64) -> StoreResult<()>;
    /// Replaces all recovery codes.
    async fn replace_recovery_codes(&self, id: &UserId, hashes: &[String]) -> StoreResult<()>;
    /// Marks a recovery code used; false when unknown or already used.
    async fn use_recovery_code(&self, id: &UserId, hash: &str, now: i64) -> StoreResult<bool>;
}

/// Companies, memberships and cross-node cache invalidation.
#[async_trait]
pub trait CompanyStore: Send + Sync {
    /// Creates a company with its owner, number counters and chart of accounts.
    async fn create_company(
        &self,
        company: &Company,
        owner: &UserId,
        accounts: &[Account],
        now: i64,
    ) -> StoreResult<()>;
    /// A company by id.
    async fn company(&self, id: &CompanyId) -> StoreResult<Option<Company>>;
    /// Every company.
    async fn all_companies(&self) -> StoreResult<Vec<Company>>;
    /// Updates name, lock date, fiscal year start, live flag.
    async fn update_company(&self, company: &Company, now: i64) -> StoreResult<()>;
    /// Companies a person belongs to, with their role.
    async fn companies_of_user(&self, user: &UserId) -> StoreResult<Vec<(Company, Role)>>;
    /// A person's role in a company.
    async fn membership(&self, company: &CompanyId, user: &UserId) -> StoreResult<Option<Role>>;
    /// Adds a member or changes their role.
    async fn upsert_membership(
        &self,
        company: &CompanyId,
        user: &UserId,
        role: Role,
        now: i64,
    ) -> StoreResult<()>;
    /// Removes a member.
    async fn remove_membership(&self, company: &CompanyId, user: &UserId) -> StoreResult<()>;
    /// Members of a company.
    async fn members(&self, company: &CompanyId) -> StoreResult<Vec<MemberRecord>>;
    /// Takes the next number of a named counter (`invoice`, `journal`, …).
    async fn next_number(&self, company: &CompanyId, counter: &str) -> StoreResult<i64>;
    /// Bumps the credentials cache epoch (and notifies other nodes where the backend can).
    async fn bump_cache_epoch(&self) -> StoreResult<i64>;
    /// Reads the credentials cache epoch.
    async fn cache_epoch(&self) -> StoreResult<i64>;
    /// Bumps the documents cache epoch (and notifies other nodes where the backend can).
    async fn bump_documents_epoch(&self) -> StoreResult<i64>;
    /// Reads the documents cache epoch.
    async fn documents_epoch(&self) -> StoreResult<i64>;
    /// True when the database answers.
    async fn ping(&self) -> StoreResult<()>;
}

/// The chart of accounts.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// The chart of accounts.
    async fn accounts(&self, company: &CompanyId) -> StoreResult<Vec<Account>>;
    /// Adds an account.
    async fn insert_account(
        &self,
        company: &CompanyId,
        account: &Account,
        now: i64,
    ) -> StoreResult<()>;
}

/// Invoices, bills, expenses and journal entries, and the ledger lines their postings write.
#[async_trait]
pub trait BooksStore: Send + Sync {
    /// Adds a draft document.
    async fn insert_document(&self, doc: &Document) -> StoreResult<()>;
    /// Replaces a draft document if it is still a draft at `expected_version`.
    async fn update_draft_document(&self, doc: &Document, expected_version: i64)
    -> StoreResult<()>;
    /// A document.
    async fn document(&self, company: &CompanyId, id: &DocumentId)
    -> StoreResult<Option<Document>>;
    /// Lists documents of a kind.
    async fn list_documents(
        &self,
        company: &CompanyId,
        kind: DocumentKind,
        q: &ListQuery,
    ) -> StoreResult<Vec<Document>>;
    /// Marks a draft approved and posts its entry, atomically; `Conflict` when the draft changed.
    async fn approve_document(
        &self,
        doc: &Document,
        expected_version: i64,
        entry: &Entry,
    ) -> StoreResult<()>;
    /// Voids an approved document by posting its reversal, atomically.
    async fn void_document(
        &self,
        doc: &Document,
        expected_version: i64,
        reversal: &Entry,
    ) -> StoreResult<()>;
    /// Marks a draft discarded (a tombstone).
    async fn discard_document(
        &self,
        company: &CompanyId,
        id: &DocumentId,
        expected_version: i64,
        now: i64,
    ) -> StoreResult<()>;

    /// Adds a journal entry: a draft, or a posted entry (then its lines enter the ledger).
    async fn insert_entry(&self, entry: &Entry) -> StoreResult<()>;
    /// Replaces a draft entry if still a draft at `expected_version`.
    async fn update_draft_entry(&self, entry: &Entry, expected_version: i64) -> StoreResult<()>;
    /// Posts a draft entry (status, poster, ledger lines, balances) if still a draft at
    /// `expected_version`; `entry` is the entry as posted (`Conflict` if its lines are not).
    async fn post_draft_entry(&self, entry: &Entry, expected_version: i64) -> StoreResult<()>;
    /// Marks a draft entry discarded.
    async fn discard_entry(
        &self,
        company: &CompanyId,
        id: &EntryId,
        expected_version: i64,
        now: i64,
    ) -> StoreResult<()>;
    /// Posts `reversal` and links it to the entry it reverses, atomically.
    async fn reverse_entry(&self, original: &EntryId, reversal: &Entry) -> StoreResult<()>;
    /// An entry.
    async fn entry(&self, company: &CompanyId, id: &EntryId) -> StoreResult<Option<Entry>>;
    /// Lists entries.
    async fn list_entries(&self, company: &CompanyId, q: &ListQuery) -> StoreResult<Vec<Entry>>;

    /// Posts many entries in one transaction (bulk loads such as the large demo).
    async fn bulk_post_entries(&self, entries: &[Entry]) -> StoreResult<()>;
}

/// Customers and suppliers.
#[async_trait]
pub trait ContactStore: Send + Sync {
    /// Adds a contact.
    async fn insert_contact(&self, contact: &Contact) -> StoreResult<()>;
    /// Replaces a contact's fields if its version is still `expected_version`.
    async fn update_contact(&self, contact: &Contact, expected_version: i64) -> StoreResult<()>;
    /// A contact.
    async fn contact(&self, company: &CompanyId, id: &ContactId) -> StoreResult<Option<Contact>>;
    /// Lists contacts.
    async fn list_contacts(&self, company: &CompanyId, q: &ListQuery) -> StoreResult<Vec<Contact>>;
    /// What refers to a contact: documents, payments and journal entries (drafts included).
    async fn contact_usage(&self, company: &CompanyId, id: &ContactId)
    -> StoreResult<ContactUsage>;
    /// Deletes a contact that nothing refers to, checked in the same statement; `Conflict`
    /// when something does (or it is gone).
    async fn delete_contact(&self, company: &CompanyId, id: &ContactId) -> StoreResult<()>;
}

/// Payments and their allocations.
#[async_trait]
pub trait PaymentStore: Send + Sync {
    /// Records a payment: allocations raise each document's paid amount (refused with
    /// `Conflict` if that would exceed its total) and the entry posts, atomically.
    async fn record_payment(&self, payment: &Payment, entry: &Entry) -> StoreResult<()>;
    /// A payment.
    async fn payment(&self, company: &CompanyId, id: &PaymentId) -> StoreResult<Option<Payment>>;
    /// Lists payments.
    async fn list_payments(&self, company: &CompanyId, q: &ListQuery) -> StoreResult<Vec<Payment>>;
    /// Payments allocated to one document.
    async fn payments_of_document(&self, document: &DocumentId) -> StoreResult<Vec<Payment>>;
}

/// Reads behind the reports, from balances maintained at posting time.
#[async_trait]
pub trait ReportStore: Send + Sync {
    /// Debit and credit totals per account over `from..=to` (`from` = None: since the beginning).
    async fn account_totals(
        &self,
        company: &CompanyId,
        from: Option<NaiveDate>,
        to: NaiveDate,
    ) -> StoreResult<Vec<(AccountId, i64, i64)>>;
    /// Totals per account and month (`YYYY-MM`) over `from..=to`.
    async fn monthly_totals(
        &self,
        company: &CompanyId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<(AccountId, String, i64, i64)>>;
    /// Invoices or bills open as of a date, with what was outstanding then.
    async fn open_items(
        &self,
        company: &CompanyId,
        kind: DocumentKind,
        as_of: NaiveDate,
    ) -> StoreResult<Vec<OpenItem>>;
    /// Posted lines in date order within `from..=to`, optionally of one account, after a cursor
    /// `(date, entry_id, line_no)`.
    async fn ledger_lines(
        &self,
        company: &CompanyId,
        account: Option<&AccountId>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        after: Option<(NaiveDate, String, i64)>,
        limit: i64,
    ) -> StoreResult<Vec<LedgerLine>>;
}

/// Read models: list rows together with the names shown beside them, one query per list.
#[async_trait]
pub trait ViewStore: Send + Sync {
    /// Documents of a kind as [`BooksStore::list_documents`] filters them, each with its
    /// contact's name and its author's label.
    async fn document_rows(
        &self,
        company: &CompanyId,
        kind: DocumentKind,
        q: &ListQuery,
    ) -> StoreResult<Vec<DocumentRow>>;
    /// Journal entries as [`BooksStore::list_entries`] filters them, with their author's label.
    async fn entry_rows(&self, company: &CompanyId, q: &ListQuery) -> StoreResult<Vec<EntryRow>>;
    /// Names of the given contacts of a company (unknown ids are left out), in one query.
    async fn contact_names(
        &self,
        company: &CompanyId,
        ids: &[ContactId],
    ) -> StoreResult<Vec<(ContactId, String)>>;
}

/// API credential apps.
#[async_trait]
pub trait AppStore: Send + Sync {
    /// Adds an app.
    async fn insert_app(&self, app: &App) -> StoreResult<()>;
    /// An app by id (= client_id).
    async fn app(&self, id: &AppId) -> StoreResult<Option<App>>;
    /// Apps of a company; deleted ones only when asked.
    async fn list_apps(&self, company: &CompanyId, deleted: bool) -> StoreResult<Vec<App>>;
    /// Writes lifecycle fields (status, secrets, version, timestamps) of an app.
    async fn update_app(&self, app: &App) -> StoreResult<()>;
    /// Adds batched usage: (app, last used ms, count).
    async fn flush_app_usage(&self, usage: &[(AppId, i64, i64)]) -> StoreResult<()>;
    /// Removes apps deleted before `before` (ms); returns how many.
    async fn purge_deleted_apps(&self, before: i64) -> StoreResult<u64>;
}

/// The append-only activity log.
#[async_trait]
pub trait ActivityStore: Send + Sync {
    /// Appends rows.
    async fn append_activity(&self, rows: &[NewActivity]) -> StoreResult<()>;
    /// Rows of a company, newest first.
    async fn list_activity(
        &self,
        company: &CompanyId,
        filter: &ActivityFilter,
    ) -> StoreResult<Vec<ActivityRecord>>;
    /// The people, apps and connections that appear as actors in a company's log (kind, id,
    /// a readable label), for picking one to filter by; at most 1,000.
    async fn activity_actors(&self, company: &CompanyId) -> StoreResult<Vec<ActorSeen>>;
}

/// Web sessions.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Adds a session.
    async fn insert_session(&self, s: &SessionRecord) -> StoreResult<()>;
    /// A session by the hash of its cookie.
    async fn session(&self, id_hash: &str) -> StoreResult<Option<SessionRecord>>;
    /// Writes stage, company and times.
    async fn update_session(&self, s: &SessionRecord) -> StoreResult<()>;
    /// Ends a session.
    async fn delete_session(&self, id_hash: &str) -> StoreResult<()>;
    /// Stores (or replaces) a pending one-time secret reveal of a session.
    async fn put_reveal(&self, r: &RevealRecord) -> StoreResult<()>;
    /// Takes a pending reveal once: removes it and returns it unless it expired before `now`
    /// (expired reveals of the session are removed too).
    async fn take_reveal(
        &self,
        session_hash: &str,
        app_id: &str,
        now: i64,
    ) -> StoreResult<Option<RevealRecord>>;
}

/// Idempotency keys of API writes.
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims a key or returns what is known about its first use.
    async fn claim_idempotency(
        &self,
        key: &IdempotencyKey,
        request_hash: &str,
        now: i64,
    ) -> StoreResult<IdempotencyClaim>;
    /// Stores the response of the first use.
    async fn complete_idempotency(
        &self,
        key: &IdempotencyKey,
        status: u16,
        body: &str,
    ) -> StoreResult<()>;
    /// Takes over a claim still without a response that was made before `claimed_before` (its
    /// request's process died mid-way), re-dating it `now`; true when taken.
    async fn reclaim_idempotency(
        &self,
        key: &IdempotencyKey,
        now: i64,
        claimed_before: i64,
    ) -> StoreResult<bool>;
    /// Forgets a claim whose request failed before doing anything (so it can be retried).
    async fn release_idempotency(&self, key: &IdempotencyKey) -> StoreResult<()>;
    /// Drops keys older than `before` (ms).
    async fn purge_idempotency(&self, before: i64) -> StoreResult<u64>;
}

/// Every storage role: a [`Store`] and a unit of work ([`StoreTx`]) both offer all of them.
pub trait Roles:
    UserStore
    + CompanyStore
    + AccountStore
    + BooksStore
    + ContactStore
    + PaymentStore
    + ViewStore
    + ReportStore
    + AppStore
    + ActivityStore
    + SessionStore
    + IdempotencyStore
    + OAuthStore
    + crate::people::PeopleStore
{
}

/// Everything the service needs from storage.
#[async_trait]
pub trait Store: Roles {
    /// Which backend this is.
    fn backend(&self) -> crate::Backend;

    /// Opens a unit of work: one transaction behind the same roles, so that a use case's writes,
    /// its activity rows and its idempotency record commit or roll back together.
    ///
    /// Every call on the handle runs on that transaction, reads included (they see its writes).
    /// While it is open, write through the handle only: on SQLite it holds the single writer
    /// connection, so a write through the store it came from would wait for it. A failed call
    /// ends the unit (PostgreSQL refuses further statements): return the error and roll back.
    /// Dropped without [`StoreTx::commit`], it rolls back.
    async fn begin(&self) -> StoreResult<Box<dyn StoreTx>>;
}

/// A unit of work opened by [`Store::begin`]: the same roles, on one transaction.
#[async_trait]
pub trait StoreTx: Roles {
    /// Makes every write of the unit permanent, at once.
    async fn commit(self: Box<Self>) -> StoreResult<()>;
    /// Undoes every write of the unit.
    async fn rollback(self: Box<Self>) -> StoreResult<()>;
}

/// OAuth clients, connections (consents), authorization codes and refresh token families.
#[async_trait]
pub trait OAuthStore: Send + Sync {
    /// Adds a client.
    async fn insert_oauth_client(&self, c: &OAuthClientRecord) -> StoreResult<()>;
    /// A client by id (deleted ones included).
    async fn oauth_client(&self, id: &OAuthClientId) -> StoreResult<Option<OAuthClientRecord>>;
    /// Clients registered by people of a company, not deleted.
    async fn list_oauth_clients(&self, company: &CompanyId) -> StoreResult<Vec<OAuthClientRecord>>;
    /// Writes name, URIs, secret, last use and deletion of a client.
    async fn update_oauth_client(&self, c: &OAuthClientRecord) -> StoreResult<()>;
    /// Removes dynamic and metadata-document clients created before `before` that never
    /// exchanged a code (a metadata-document client is made again at its next fetch).
    async fn purge_unused_dynamic_clients(&self, before: i64) -> StoreResult<u64>;

    /// Adds a connection.
    async fn insert_connection(&self, c: &ConnectionRecord) -> StoreResult<()>;
    /// A connection by id.
    async fn connection(&self, id: &ConnectionId) -> StoreResult<Option<ConnectionRecord>>;
    /// The active connection of a client for a person in a company.
    async fn active_connection(
        &self,
        client: &OAuthClientId,
        company: &CompanyId,
        user: &UserId,
    ) -> StoreResult<Option<ConnectionRecord>>;
    /// Active connections of a company.
    async fn list_connections(&self, company: &CompanyId) -> StoreResult<Vec<ConnectionRecord>>;
    /// Writes scope, surfaces, status, version and times of a connection.
    async fn update_connection(&self, c: &ConnectionRecord) -> StoreResult<()>;
    /// Stores (or replaces) a client's logo, a PNG.
    async fn put_client_logo(
        &self,
        client: &OAuthClientId,
        png: &[u8],
        now: i64,
    ) -> StoreResult<()>;
    /// A client's logo.
    async fn client_logo(&self, client: &OAuthClientId) -> StoreResult<Option<Vec<u8>>>;
    /// Records that a client and its connection were used at `now` (touching only that column,
    /// so a stale copy of either can never write back older fields).
    async fn touch_oauth_use(
        &self,
        client: &OAuthClientId,
        connection: &ConnectionId,
        now: i64,
    ) -> StoreResult<()>;

    /// Adds an authorization code.
    async fn insert_auth_code(&self, c: &AuthCodeRecord) -> StoreResult<()>;
    /// Marks a code used, atomically; returns it with `used_at` as it was before (None: this
    /// call claimed it; Some: it had been used already). `None` overall: unknown code.
    async fn claim_auth_code(
        &self,
        code_hash: &str,
        now: i64,
    ) -> StoreResult<Option<AuthCodeRecord>>;

    /// Adds a refresh token (the first of a family).
    async fn insert_refresh_token(&self, t: &RefreshTokenRecord) -> StoreResult<()>;
    /// A refresh token by hash.
    async fn refresh_token(&self, token_hash: &str) -> StoreResult<Option<RefreshTokenRecord>>;
    /// A refresh token and its successor (whose hash the caller derives), in one read.
    async fn refresh_chain(
        &self,
        token_hash: &str,
        successor_hash: &str,
    ) -> StoreResult<Option<RefreshChain>>;
    /// The common rotation in one statement, without reading first: inserts the successor
    /// (`successor_hash`, issued at `now` with the family's scope and surfaces) of the token
    /// `old_hash` if that token belongs to `client`, is not revoked, was issued at or after
    /// `issued_after` and its family began at or after `family_after`, and has no successor
    /// yet; returns the successor. None: any of that failed, and the caller reads to find out
    /// which (a concurrent rotation, a reuse, an expiry, another client's token).
    #[allow(clippy::too_many_arguments)]
    async fn rotate_refresh_token_directly(
        &self,
        old_hash: &str,
        successor_hash: &str,
        client: &OAuthClientId,
        now: i64,
        issued_after: i64,
        family_after: i64,
    ) -> StoreResult<Option<RefreshTokenRecord>>;
    /// Rotates `old_hash` into `successor` with one INSERT, if the old token is not revoked.
    /// The successor's hash is derived from the old token, so of two concurrent rotations one
    /// inserts and the other finds the key taken: false (someone else rotated it, or it is dead).
    async fn rotate_refresh_token(
        &self,
        old_hash: &str,
        successor: &RefreshTokenRecord,
    ) -> StoreResult<bool>;
    /// Revokes every token of a family; returns how many were live.
    async fn revoke_refresh_family(&self, family_id: &str, now: i64) -> StoreResult<u64>;
    /// Revokes every refresh token of a connection.
    async fn revoke_connection_refresh_tokens(
        &self,
        connection: &ConnectionId,
        now: i64,
    ) -> StoreResult<u64>;
    /// Drops codes expired before `before`, refresh tokens revoked before it, and those issued
    /// before it (pass the start of the absolute lifetime: their families are over).
    async fn purge_oauth(&self, before: i64) -> StoreResult<u64>;
}
