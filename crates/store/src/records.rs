//! Rows the store reads and writes that are not domain aggregates: people, sessions, the
//! activity log, idempotency keys, OAuth grants, list queries and read-model rows. The books'
//! aggregates (contacts, documents, journal entries, payments) and apps are the domain's own
//! types (`newledger_domain::{contact, document, journal, payment, app}`), persisted as they are.

use chrono::NaiveDate;
use newledger_domain::document::Document;
use newledger_domain::ids::*;
use newledger_domain::journal::Entry;
use newledger_domain::permission::PermissionSet;
use newledger_domain::role::Role;

/// A person.
#[derive(Clone, Debug)]
pub struct UserRecord {
    /// Id.
    pub id: UserId,
    /// Lower-cased e-mail.
    pub email: String,
    /// Display name.
    pub name: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Base32 TOTP secret once enrolment started.
    pub totp_secret: Option<String>,
    /// True once enrolment was confirmed with a code.
    pub totp_enabled: bool,
    /// Last accepted TOTP time step (RFC 6238 §5.2 replay protection).
    pub totp_last_step: i64,
    /// Consecutive failed sign-ins.
    pub failed_logins: i64,
    /// Sign-in refused until this instant (ms).
    pub locked_until: Option<i64>,
    /// Creation instant (ms).
    pub created_at: i64,
}

/// A member of a company.
#[derive(Clone, Debug)]
pub struct MemberRecord {
    /// The person.
    pub user_id: UserId,
    /// Their e-mail.
    pub email: String,
    /// Their name.
    pub name: String,
    /// Their role here.
    pub role: Role,
    /// Since when (ms).
    pub created_at: i64,
}

/// A document with what a list shows beside it, read in the same query (no lookup per row).
#[derive(Clone, Debug)]
pub struct DocumentRow {
    /// The document.
    pub doc: Document,
    /// Name of its contact, if it has one (and the contact still exists).
    pub contact_name: Option<String>,
    /// Readable author: a person's or app's name, `client (connected by person)` for an OAuth
    /// connection; None when the author is gone (the service words that).
    pub created_by_label: Option<String>,
}

/// A journal entry with its author's readable label (see [`DocumentRow`]).
#[derive(Clone, Debug)]
pub struct EntryRow {
    /// The entry.
    pub entry: Entry,
    /// Readable author, None when the author is gone.
    pub created_by_label: Option<String>,
}

/// A new activity-log row.
#[derive(Clone, Debug, Default)]
pub struct NewActivity {
    /// Company concerned, if any.
    pub company_id: Option<CompanyId>,
    /// When (ms).
    pub at: i64,
    /// `user`, `app`, `connection`, `system` or `anonymous`.
    pub actor_kind: String,
    /// Actor id.
    pub actor_id: String,
    /// Readable actor (e-mail, app name).
    pub actor_label: String,
    /// Dotted action name (`app.revoked`, `token.failed`).
    pub action: String,
    /// Target kind (`app`, `invoice`, …).
    pub target_kind: String,
    /// Target id.
    pub target_id: String,
    /// `success` or `failure`.
    pub outcome: String,
    /// Why (for failures) or what changed.
    pub reason: String,
    /// Client address.
    pub ip: String,
    /// JSON object with details (old → new values).
    pub details: String,
    /// Number of identical events folded into this row.
    pub count: i64,
}

/// An activity-log row as stored.
#[derive(Clone, Debug)]
pub struct ActivityRecord {
    /// Sequence number.
    pub id: i64,
    /// The row.
    pub row: NewActivity,
}

/// An actor seen in a company's activity log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActorSeen {
    /// `user`, `app` or `connection`.
    pub kind: String,
    /// Its id.
    pub id: String,
    /// Its most telling label (a name or an e-mail rather than the id, when one was logged).
    pub label: String,
}

/// Filter of the activity log.
#[derive(Clone, Debug, Default)]
pub struct ActivityFilter {
    /// Actor kind.
    pub actor_kind: Option<String>,
    /// Actor id.
    pub actor_id: Option<String>,
    /// Action prefix (`app.` matches every app action).
    pub action_prefix: Option<String>,
    /// Target id.
    pub target_id: Option<String>,
    /// From instant (ms), inclusive.
    pub from: Option<i64>,
    /// To instant (ms), exclusive.
    pub to: Option<i64>,
    /// Only rows with a smaller id (pagination).
    pub before_id: Option<i64>,
    /// `success` or `failure`: applied in the query, before the limit, so pages are full.
    pub outcome: Option<String>,
    /// Page size.
    pub limit: i64,
}

/// A web session.
#[derive(Clone, Debug)]
pub struct SessionRecord {
    /// SHA-256 of the cookie value.
    pub id_hash: String,
    /// The person.
    pub user_id: UserId,
    /// Current company.
    pub company_id: Option<CompanyId>,
    /// Per-session CSRF token.
    pub csrf_token: String,
    /// `password` (second factor pending), `enrol` (must enrol TOTP) or `full`.
    pub stage: String,
    /// Created (ms).
    pub created_at: i64,
    /// Last request (ms).
    pub last_seen_at: i64,
    /// Absolute expiry (ms).
    pub expires_at: i64,
    /// Address it was opened from.
    pub ip: String,
    /// The browser's `User-Agent` when it was opened (at most 300 characters).
    pub user_agent: String,
}

/// A pending one-time secret reveal of a web session.
#[derive(Clone, Debug)]
pub struct RevealRecord {
    /// The session's id hash.
    pub session_hash: String,
    /// The app whose secret it is.
    pub app_id: String,
    /// True after a rotation (false after create).
    pub rotated: bool,
    /// The sealed secret (never the plaintext).
    pub sealed: String,
    /// Expiry (ms).
    pub expires_at: i64,
}

/// Common list parameters.
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    /// Page size (the store fetches one more to know if there is a next page).
    pub limit: i64,
    /// Return ids after this one.
    pub after: Option<String>,
    /// Only records changed at or after this instant (ms); includes tombstones.
    pub updated_since: Option<i64>,
    /// Status filter.
    pub status: Option<String>,
    /// Contact filter.
    pub contact_id: Option<String>,
    /// Date range start (document or entry date).
    pub from: Option<NaiveDate>,
    /// Date range end, inclusive.
    pub to: Option<NaiveDate>,
    /// Name search (contacts); the source (`manual`, `invoice`, …) for journal entries.
    pub search: Option<String>,
    /// Created by this actor id.
    pub created_by: Option<String>,
    /// Only approved documents due before this date.
    pub overdue_as_of: Option<NaiveDate>,
}

/// Outcome of claiming an idempotency key.
#[derive(Clone, Debug)]
pub enum IdempotencyClaim {
    /// First use: go ahead.
    Claimed,
    /// Seen before with this request hash; response present once the first request completed.
    Existing {
        /// Hash of the first request's body.
        request_hash: String,
        /// Stored response (status, body), or `None` while the first is still in flight.
        response: Option<(u16, String)>,
    },
}

/// Identifies an idempotency key.
#[derive(Clone, Debug)]
pub struct IdempotencyKey {
    /// App or connection id.
    pub principal_id: String,
    /// Company.
    pub company_id: String,
    /// `POST /api/v1/...`.
    pub method_path: String,
    /// The client's key.
    pub key: String,
}

/// One posted ledger line with its entry's reference, for the general ledger and exports.
#[derive(Clone, Debug)]
pub struct LedgerLine {
    /// Entry id.
    pub entry_id: EntryId,
    /// Entry number.
    pub entry_number: String,
    /// Line number within the entry.
    pub line_no: i64,
    /// Account.
    pub account_id: AccountId,
    /// Date.
    pub date: NaiveDate,
    /// Entry memo.
    pub memo: String,
    /// Line description.
    pub description: String,
    /// Contact, if any.
    pub contact_id: Option<ContactId>,
    /// Debit.
    pub debit: i64,
    /// Credit.
    pub credit: i64,
}

/// How an OAuth client came to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OAuthClientKind {
    /// Registered by a person under App Connect (verified by its company).
    Registered,
    /// Registered by itself through `POST /oauth/register` (RFC 7591): not verified.
    Dynamic,
    /// Known by its client ID metadata document, fetched from its `client_id` URL: not verified.
    MetadataDocument,
}

impl OAuthClientKind {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            OAuthClientKind::Registered => "registered",
            OAuthClientKind::Dynamic => "dynamic",
            OAuthClientKind::MetadataDocument => "metadata_document",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "registered" => Some(OAuthClientKind::Registered),
            "dynamic" => Some(OAuthClientKind::Dynamic),
            "metadata_document" => Some(OAuthClientKind::MetadataDocument),
            _ => None,
        }
    }
}

/// An OAuth client (authorization code + PKCE).
#[derive(Clone, Debug)]
pub struct OAuthClientRecord {
    /// The `client_id`.
    pub id: OAuthClientId,
    /// Registered by a person, or dynamically.
    pub kind: OAuthClientKind,
    /// The company whose people registered it (none for dynamic clients).
    pub company_id: Option<CompanyId>,
    /// Name shown at consent.
    pub name: String,
    /// Logo URL (https).
    pub logo_uri: Option<String>,
    /// Homepage.
    pub client_uri: Option<String>,
    /// Registered redirect URIs (exact match).
    pub redirect_uris: Vec<String>,
    /// Keyed hash of the secret; none for public clients.
    pub secret_hash: Option<String>,
    /// Last characters of the secret, to recognise it.
    pub secret_hint: String,
    /// `none`, `client_secret_basic` or `client_secret_post`.
    pub auth_method: String,
    /// The person who registered it (registered clients).
    pub created_by: Option<UserId>,
    /// Address it was registered from (dynamic clients).
    pub registered_ip: String,
    /// Created (ms).
    pub created_at: i64,
    /// Last change (ms).
    pub updated_at: i64,
    /// First code exchange or later (ms); unused dynamic clients are purged.
    pub last_used_at: Option<i64>,
    /// Deleted (ms).
    pub deleted_at: Option<i64>,
    /// The `client_id` URL of a metadata-document client (its public identifier; `id` is
    /// derived from it).
    pub metadata_url: Option<String>,
}

impl OAuthClientRecord {
    /// The identifier the client itself uses: its metadata document's URL, or its `oac_` id.
    pub fn public_id(&self) -> &str {
        self.metadata_url.as_deref().unwrap_or(self.id.as_str())
    }
}

/// A person's consent to a client, for one company: the principal of its tokens.
#[derive(Clone, Debug)]
pub struct ConnectionRecord {
    /// Id (`conn_…`).
    pub id: ConnectionId,
    /// The company.
    pub company_id: CompanyId,
    /// The client.
    pub client_id: OAuthClientId,
    /// The approving person; the connection never does more than they may now.
    pub user_id: UserId,
    /// Consented permissions.
    pub scope: PermissionSet,
    /// REST API, MCP or both.
    pub surfaces: newledger_domain::oauth::Surfaces,
    /// False once deleted.
    pub active: bool,
    /// Bumped to kill every access token issued so far.
    pub credential_version: i64,
    /// Created (ms).
    pub created_at: i64,
    /// Last change (ms).
    pub updated_at: i64,
    /// Last token issued (ms).
    pub last_used_at: Option<i64>,
    /// Deleted (ms).
    pub deleted_at: Option<i64>,
}

/// An authorization code (only its keyed hash is stored).
#[derive(Clone, Debug)]
pub struct AuthCodeRecord {
    /// Keyed hash of the code.
    pub code_hash: String,
    /// The client it was issued to.
    pub client_id: OAuthClientId,
    /// The connection it grants.
    pub connection_id: ConnectionId,
    /// The redirect URI of the authorization request.
    pub redirect_uri: String,
    /// PKCE S256 challenge.
    pub code_challenge: String,
    /// Surfaces authorized.
    pub surfaces: newledger_domain::oauth::Surfaces,
    /// Scope authorized.
    pub scope: PermissionSet,
    /// The refresh token family its exchange starts (revoked on replay).
    pub family_id: String,
    /// Expiry (ms).
    pub expires_at: i64,
    /// Exchanged (ms).
    pub used_at: Option<i64>,
    /// Created (ms).
    pub created_at: i64,
}

/// A refresh token (only its keyed hash is stored), one of a rotating family. A token is used
/// once it has a successor (whose hash is derived from it).
#[derive(Clone, Debug)]
pub struct RefreshTokenRecord {
    /// Keyed hash of the token.
    pub token_hash: String,
    /// The family (one per code exchange).
    pub family_id: String,
    /// The connection.
    pub connection_id: ConnectionId,
    /// The client.
    pub client_id: OAuthClientId,
    /// Scope (never wider than the family's first).
    pub scope: PermissionSet,
    /// Surfaces.
    pub surfaces: newledger_domain::oauth::Surfaces,
    /// When the family began (absolute lifetime).
    pub family_started_at: i64,
    /// Issued (ms; idle lifetime).
    pub created_at: i64,
    /// Scope of the access token issued beside it at rotation (to answer a retry identically);
    /// None for the first of a family.
    pub issued_scope: Option<PermissionSet>,
    /// Surfaces of the access token issued beside it at rotation.
    pub issued_surfaces: Option<newledger_domain::oauth::Surfaces>,
    /// Revoked (ms).
    pub revoked_at: Option<i64>,
}

/// A refresh token with its successor, if it was rotated.
#[derive(Clone, Debug)]
pub struct RefreshChain {
    /// The token presented.
    pub token: RefreshTokenRecord,
    /// The token it was rotated into (then it is used).
    pub successor: Option<RefreshTokenRecord>,
}
