//! Decoding rows into records. Parse failures mean corrupt data and surface as `Other`.

use crate::records::*;
use crate::{StoreError, StoreResult};
use chrono::NaiveDate;
use newledger_domain::account::{Account, AccountClass, AccountRole};
use newledger_domain::actor::Actor;
use newledger_domain::app::{App, AppStatus};
use newledger_domain::company::{Company, TimeZone};
use newledger_domain::contact::Contact;
use newledger_domain::document::{Document, DocumentKind, DocumentStatus};
use newledger_domain::ids::*;
use newledger_domain::journal::{Entry, EntryLines, EntrySource, EntryStatus};
use newledger_domain::money::Currency;
use newledger_domain::payment::{Payment, PaymentKind};
use newledger_domain::permission::PermissionSet;
use sqlx::Row;
use sqlx::any::AnyRow;

pub(crate) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Other(anyhow::anyhow!("corrupt row: {what}"))
}

pub(crate) fn s(r: &AnyRow, c: &str) -> StoreResult<String> {
    Ok(r.try_get::<String, _>(c)?)
}

pub(crate) fn os(r: &AnyRow, c: &str) -> StoreResult<Option<String>> {
    Ok(r.try_get::<Option<String>, _>(c)?)
}

pub(crate) fn i(r: &AnyRow, c: &str) -> StoreResult<i64> {
    Ok(r.try_get::<i64, _>(c)?)
}

pub(crate) fn oi(r: &AnyRow, c: &str) -> StoreResult<Option<i64>> {
    Ok(r.try_get::<Option<i64>, _>(c)?)
}

pub(crate) fn date(r: &AnyRow, c: &str) -> StoreResult<NaiveDate> {
    parse_date(&s(r, c)?)
}

pub(crate) fn odate(r: &AnyRow, c: &str) -> StoreResult<Option<NaiveDate>> {
    os(r, c)?.map(|d| parse_date(&d)).transpose()
}

pub(crate) fn parse_date(d: &str) -> StoreResult<NaiveDate> {
    d.parse().map_err(|_| corrupt(format!("date {d}")))
}

pub(crate) fn id<T: std::str::FromStr>(r: &AnyRow, c: &str) -> StoreResult<T> {
    let v = s(r, c)?;
    v.parse().map_err(|_| corrupt(format!("{c}={v}")))
}

pub(crate) fn oid<T: std::str::FromStr>(r: &AnyRow, c: &str) -> StoreResult<Option<T>> {
    match os(r, c)? {
        Some(v) if !v.is_empty() => v.parse().map(Some).map_err(|_| corrupt(format!("{c}={v}"))),
        _ => Ok(None),
    }
}

pub(crate) fn actor(r: &AnyRow, kind: &str, idc: &str) -> StoreResult<Actor> {
    Actor::from_parts(&s(r, kind)?, &s(r, idc)?).map_err(corrupt)
}

pub(crate) fn user(r: &AnyRow) -> StoreResult<UserRecord> {
    Ok(UserRecord {
        id: id(r, "id")?,
        email: s(r, "email")?,
        name: s(r, "name")?,
        password_hash: s(r, "password_hash")?,
        totp_secret: os(r, "totp_secret")?,
        totp_enabled: i(r, "totp_enabled")? != 0,
        totp_last_step: i(r, "totp_last_step")?,
        failed_logins: i(r, "failed_logins")?,
        locked_until: oi(r, "locked_until")?,
        created_at: i(r, "created_at")?,
    })
}

pub(crate) fn company(r: &AnyRow) -> StoreResult<Company> {
    Ok(Company {
        id: id(r, "id")?,
        name: s(r, "name")?,
        currency: Currency::parse(&s(r, "currency")?).map_err(corrupt)?,
        is_live: i(r, "is_live")? != 0,
        lock_date: odate(r, "lock_date")?,
        fiscal_year_start_month: u32::try_from(i(r, "fiscal_year_start_month")?)
            .map_err(corrupt)?,
        fiscal_year_start_day: u32::try_from(i(r, "fiscal_year_start_day")?).map_err(corrupt)?,
        time_zone: TimeZone::parse(&s(r, "time_zone")?).map_err(corrupt)?,
    })
}

pub(crate) fn account(r: &AnyRow) -> StoreResult<Account> {
    Ok(Account {
        id: id(r, "id")?,
        code: s(r, "code")?,
        name: s(r, "name")?,
        class: AccountClass::parse(&s(r, "class")?).map_err(corrupt)?,
        role: AccountRole::parse(&s(r, "role")?).map_err(corrupt)?,
        archived: i(r, "archived")? != 0,
    })
}

pub(crate) fn contact(r: &AnyRow) -> StoreResult<Contact> {
    Ok(Contact {
        id: id(r, "id")?,
        company_id: id(r, "company_id")?,
        name: s(r, "name")?,
        email: os(r, "email")?,
        is_customer: i(r, "is_customer")? != 0,
        is_supplier: i(r, "is_supplier")? != 0,
        tax_number: os(r, "tax_number")?,
        address: os(r, "address")?,
        created_by: actor(r, "created_by_kind", "created_by_id")?,
        created_at: i(r, "created_at")?,
        updated_at: i(r, "updated_at")?,
        version: i(r, "version")?,
    })
}

pub(crate) fn document(r: &AnyRow) -> StoreResult<Document> {
    Ok(Document {
        id: id(r, "id")?,
        company_id: id(r, "company_id")?,
        kind: DocumentKind::parse(&s(r, "kind")?).map_err(corrupt)?,
        number: s(r, "number")?,
        status: DocumentStatus::parse(&s(r, "status")?).map_err(corrupt)?,
        contact_id: oid(r, "contact_id")?,
        issue_date: date(r, "issue_date")?,
        due_date: date(r, "due_date")?,
        reference: s(r, "reference")?,
        currency: Currency::parse(&s(r, "currency")?).map_err(corrupt)?,
        lines: serde_json::from_str(&s(r, "lines")?)?,
        subtotal: i(r, "subtotal")?,
        tax: i(r, "tax")?,
        total: i(r, "total")?,
        amount_paid: i(r, "amount_paid")?,
        payment_account_id: oid(r, "payment_account_id")?,
        entry_id: oid(r, "entry_id")?,
        void_entry_id: oid(r, "void_entry_id")?,
        settled_on: odate(r, "settled_on")?,
        created_by: actor(r, "created_by_kind", "created_by_id")?,
        approved_by: oid(r, "approved_by")?,
        approved_at: oi(r, "approved_at")?,
        created_at: i(r, "created_at")?,
        updated_at: i(r, "updated_at")?,
        version: i(r, "version")?,
    })
}

pub(crate) fn entry(r: &AnyRow) -> StoreResult<Entry> {
    let posted_by = match os(r, "posted_by")? {
        Some(p) if !p.is_empty() => Some(serde_json::from_str::<Actor>(&p)?),
        _ => None,
    };
    let status = EntryStatus::parse(&s(r, "status")?).map_err(corrupt)?;
    let number = s(r, "number")?;
    // A posted entry that does not balance is corrupt data, reported rather than served.
    let lines = EntryLines::of_status(status, serde_json::from_str(&s(r, "lines")?)?)
        .map_err(|e| corrupt(format!("entry {number}: {e}")))?;
    Ok(Entry {
        id: id(r, "id")?,
        company_id: id(r, "company_id")?,
        number,
        date: date(r, "date")?,
        memo: s(r, "memo")?,
        source: EntrySource::parse(&s(r, "source")?).map_err(corrupt)?,
        source_id: os(r, "source_id")?,
        reverses_id: oid(r, "reverses_id")?,
        reversed_by_id: oid(r, "reversed_by_id")?,
        lines,
        created_by: actor(r, "created_by_kind", "created_by_id")?,
        posted_by,
        posted_at: oi(r, "posted_at")?,
        created_at: i(r, "created_at")?,
        updated_at: i(r, "updated_at")?,
        version: i(r, "version")?,
    })
}

pub(crate) fn payment(r: &AnyRow, allocations: Vec<(DocumentId, i64)>) -> StoreResult<Payment> {
    Ok(Payment {
        id: id(r, "id")?,
        company_id: id(r, "company_id")?,
        kind: PaymentKind::parse(&s(r, "kind")?).map_err(corrupt)?,
        number: s(r, "number")?,
        contact_id: id(r, "contact_id")?,
        bank_account_id: id(r, "bank_account_id")?,
        date: date(r, "date")?,
        amount: i(r, "amount")?,
        currency: Currency::parse(&s(r, "currency")?).map_err(corrupt)?,
        reference: s(r, "reference")?,
        entry_id: id(r, "entry_id")?,
        allocations,
        created_by: actor(r, "created_by_kind", "created_by_id")?,
        created_at: i(r, "created_at")?,
    })
}

pub(crate) fn app(r: &AnyRow) -> StoreResult<App> {
    Ok(App {
        id: id(r, "id")?,
        company_id: id(r, "company_id")?,
        name: s(r, "name")?,
        purpose: s(r, "purpose")?,
        owner_user_id: id(r, "owner_user_id")?,
        created_by: id(r, "created_by")?,
        permissions: PermissionSet::parse(&s(r, "permissions")?).map_err(corrupt)?,
        status: AppStatus::parse(&s(r, "status")?).ok_or_else(|| corrupt("app status"))?,
        expires_at: oi(r, "expires_at")?,
        secret_hash: s(r, "secret_hash")?,
        secret_hint: s(r, "secret_hint")?,
        prev_secret_hash: os(r, "prev_secret_hash")?,
        prev_secret_valid_until: oi(r, "prev_secret_valid_until")?,
        credential_version: i(r, "credential_version")?,
        revoked_at: oi(r, "revoked_at")?,
        deleted_at: oi(r, "deleted_at")?,
        last_used_at: oi(r, "last_used_at")?,
        use_count: i(r, "use_count")?,
        created_at: i(r, "created_at")?,
        updated_at: i(r, "updated_at")?,
    })
}

pub(crate) fn session(r: &AnyRow) -> StoreResult<SessionRecord> {
    Ok(SessionRecord {
        id_hash: s(r, "id_hash")?,
        user_id: id(r, "user_id")?,
        company_id: oid(r, "company_id")?,
        csrf_token: s(r, "csrf_token")?,
        stage: s(r, "stage")?,
        created_at: i(r, "created_at")?,
        last_seen_at: i(r, "last_seen_at")?,
        expires_at: i(r, "expires_at")?,
        ip: s(r, "ip")?,
        user_agent: s(r, "user_agent")?,
    })
}

pub(crate) fn activity(r: &AnyRow) -> StoreResult<ActivityRecord> {
    Ok(ActivityRecord {
        id: i(r, "id")?,
        row: NewActivity {
            company_id: oid(r, "company_id")?,
            at: i(r, "at")?,
            actor_kind: s(r, "actor_kind")?,
            actor_id: s(r, "actor_id")?,
            actor_label: s(r, "actor_label")?,
            action: s(r, "action")?,
            target_kind: s(r, "target_kind")?,
            target_id: s(r, "target_id")?,
            outcome: s(r, "outcome")?,
            reason: s(r, "reason")?,
            ip: s(r, "ip")?,
            details: s(r, "details")?,
            count: i(r, "count")?,
        },
    })
}

pub(crate) fn reveal(r: &AnyRow) -> StoreResult<RevealRecord> {
    Ok(RevealRecord {
        session_hash: s(r, "session_hash")?,
        app_id: s(r, "app_id")?,
        rotated: i(r, "rotated")? != 0,
        sealed: s(r, "sealed")?,
        expires_at: i(r, "expires_at")?,
    })
}
