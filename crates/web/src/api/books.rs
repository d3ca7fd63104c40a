//! Company, accounts, contacts, documents, journal entries, bank accounts and payments.

use super::dto::{self, ListPage};
use super::schemas;
use super::{
    ApiQuery, ListParams, idempotent, if_match, json, json_bytes, json_response, parse, with_etag,
};
use crate::error::ApiError;
use crate::extract::ApiAccess;
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use newledger_domain::document::DocumentKind;
use newledger_domain::ids::{ContactId, DocumentId, EntryId, PaymentId};
use newledger_domain::permission::Permission;
use newledger_service::books::{accounts, contacts, documents, journal, payments};
use newledger_service::{Error, views};

type Res = Result<Response, ApiError>;

fn ok<T: serde::Serialize>(v: T) -> Res {
    Ok(Json(v).into_response())
}

/// `GET /company`
#[utoipa::path(
    get,
    path = "/api/v1/companies/{company_id}/company",
    tag = "Company",
    operation_id = "get_company",
    summary = "The company profile",
    params(("company_id" = String, Path, description = "Company id (`cmp_…`)")),
    responses((status = 200, description = "The company", body = dto::CompanyDto)),
    security(("bearer" = ["company:read"]), ("app_credentials" = ["company:read"]))
)]
pub async fn get_company(ApiAccess(a): ApiAccess) -> Res {
    a.require(Permission::CompanyRead)?;
    ok(dto::CompanyDto::from(&a.company))
}

/// `GET /accounts`
#[utoipa::path(
    get,
    path = "/api/v1/companies/{company_id}/accounts",
    tag = "Accounts",
    operation_id = "list_accounts",
    summary = "The chart of accounts",
    description = "All accounts in one page (`next_cursor` is always null).",
    params(("company_id" = String, Path, description = "Company id (`cmp_…`)")),
    responses((status = 200, description = "Accounts by code", body = ListPage<dto::AccountDto>)),
    security(("bearer" = ["accounts:read"]), ("app_credentials" = ["accounts:read"]))
)]
pub async fn list_accounts(State(s): State<AppState>, ApiAccess(a): ApiAccess) -> Res {
    let list = accounts::list(&s.svc, &a).await?;
    ok(ListPage {
        data: list.iter().map(dto::AccountDto::from).collect(),
        next_cursor: None,
    })
}

/// `GET /bank-accounts`: bank and card accounts with their balance today.
#[utoipa::path(
    get,
    path = "/api/v1/companies/{company_id}/bank-accounts",
    tag = "Accounts",
    operation_id = "list_bank_accounts",
    summary = "Bank and card accounts with their balance today",
    params(("company_id" = String, Path, description = "Company id (`cmp_…`)")),
    responses((status = 200, description = "Bank and card accounts", body = ListPage<schemas::BankAccount>)),
    security(("bearer" = ["bank:read"]), ("app_credentials" = ["bank:read"]))
)]
pub async fn list_bank_accounts(State(s): State<AppState>, ApiAccess(a): ApiAccess) -> Res {
    let cur = a.company.currency;
    let data: Vec<serde_json::Value> = views::bank_accounts(&s.svc, &a)
        .await?
        .iter()
        .map(|b| {
            let acc = &b.account;
            serde_json::json!({"id": acc.id, "code": acc.code, "name": acc.name, "kind": acc.role.as_str(),
                "balance": cur.format(b.balance), "currency": cur.code(), "as_of": b.as_of})
        })
        .collect();
    ok(serde_json::json!({"data": data, "next_cursor": null}))
}

/// `GET /contacts`
#[utoipa::path(
    get,
    path = "/api/v1/companies/{company_id}/contacts",
    tag = "Contacts",
    operation_id = "list_contacts",
    summary = "List customers and suppliers",
    description = "Filters: `status` = `customer` or `supplier`, `search` (name), `updated_since`.",
    params(("company_id" = String, Path, description = "Company id (`cmp_…`)"), ListParams),
    responses((status = 200, description = "A page of contacts", body = ListPage<dto::ContactDto>), (status = 422, response = schemas::Invalid)),
    security(("bearer" = ["contacts:read"]), ("app_credentials" = ["contacts:read"]))
)]
pub async fn list_contacts(
    State(s): State<AppState>,
    ApiAccess(a): ApiAccess,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Res {
    let page = contacts::list(&s.svc, &a, p.query(a.today(s.svc.clock.as_ref()))?).await?;
    ok(ListPage {
        data: page.data.iter().map(dto::ContactDto::from).collect(),
        next_cursor: page.next_cursor,
    })
}

/// `GET /contacts/{id}`
#[utoipa::path(
    get,
    path = "/api/v1/companies/{company_id}/contacts/{id}",
    tag = "Contacts",
    operation_id = "get_contact",
    summary = "Get a contact",
    params(("company_id" = String, Path, description = "Company id (`cmp_…`)"), ("id" = String, Path, description = "Contact id (`ctc_…`)")),
    responses((status = 200, description = "The contact", body = dto::ContactDto, headers(("ETag" = String, description = "Version of the record (`\"v3\"`); send it back in `If-Match`."))), (status = 404, response = schemas::NotFound)),
    security(("bearer" = ["contacts:read"]), ("app_credentials" = ["contacts:read"]))
)]
pub async fn get_contact(
    State(s): State<AppState>,
    ApiAccess(a): ApiAccess,
    Path((_company, id)): Path<(String, String)>,
) -> Res {
    let id = ContactId::parse(&id).map_err(|_| Error::NotFound("contact"))?;
    let c = contacts::get(&s.svc, &a, &id).await?;
    Ok(with_etag(
        StatusCode::OK,
        &dto::ContactDto::from(&c),
        c.version,
    ))
}

/// `POST /contacts`
#[utoipa::path(
    post,
    path = "/api/v1/companies/{company_id}/contacts",
    tag = "Contacts",
    operation_id = "create_contact",
    summary = "Create a contact",
    params(("company_id" = String, Path, description = "Company id (`cmp_…`)"), ("Idempotency-Key" = Option<String>, Header, description = "Makes the write safe to retry: a retry with the same key and body replays the first response and creates nothing; the same key with another body is refused (422); while the first is in flight, 409. Kept 24 h, per app, company and method + path.")),
    request_body(content = schemas::ContactInput, content_type = "application/json"),
    responses((status = 201, description = "Created", body = dto::ContactDto, headers(("ETag" = String, description = "Version of the record (`\"v3\"`); send it back in `If-Match`."))), (status = 409, response = schemas::Conflict), (status = 422, response = schemas::Invalid)),
    security(("bearer" = ["contacts:write"]), ("app_credentials" = ["contacts:write"]))
)]
pub async fn create_contact(
    State(s): State<AppState>,
    ApiAccess(a): ApiAccess,
    Path(company): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = format!("POST /api/v1/companies/{company}/contacts");
    idempotent(&s, &a, &path, &headers, &body, async |w| {
        // The permission before the body: a caller without it learns nothing from validation.
        a.require(Permission::ContactsWrite)?;
        let c = contacts::create_in(w, &a, parse(&body)?).await?;
        Ok((
            StatusCode::CREATED,
            json(&dto::ContactDto::from(&c))?,
            Some(c.version),
        ))
    })
    .await
}

/// `PUT /contacts/{id}`
#[utoipa::path(
    put,
    path = "/api/v1/companies/{company_id}/contacts/{id}",
    tag = "Contacts",
    operation_id = "update_contact",
    summary = "Replace a contact",
    params(("company_id" = String, Path, description = "Company id (`cmp_…`)"), ("id" = String, Path, description = "Contact id (`ctc_…`)"), ("If-Match" = Option<String>, Header, pattern = r#"^(W/)?"?v[0-9]{1,18}"?$"#, description = "The `ETag` you read (e.g. `\"v3\"`): refused with 412 if the record changed since, 422 if it is not an ETag."), ("Idempotency-Key" = Option<String>, Header, description = "Makes the write safe to retry: a retry with the same key and body replays the first response and creates nothing; the same key with another body is refused (422); while the first is in flight, 409. Kept 24 h, per app, company and method + path.")),
    request_body(content = schemas::ContactInput, content_type = "application/json"),
    responses((status = 200, description = "Updated", body = dto::ContactDto, headers(("ETag" = String, description = "Version of the record (`\"v3\"`); send it back in `If-Match`."))), (status = 404, response = schemas::NotFound), (status = 409, response = schemas::Conflict), (status = 412, response = schemas::Stale), (status = 422, response = schemas::Invalid)),
    security(("bearer" = ["contacts:write"]), ("app_credentials" = ["contacts:write"]))
)]
pub async fn update_contact(
    State(s): State<AppState>,
    ApiAccess(a): ApiAccess,
    Path((company, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = format!("PUT /api/v1/companies/{company}/contacts/{id}");
    idempotent(&s, &a, &path, &headers, &body, async |w| {
        a.require(Permission::ContactsWrite)?;
        let id = ContactId::parse(&id).map_err(|_| Error::NotFound("contact"))?;
        let c = contacts::update_in(w, &a, &id, if_match(&headers)?, parse(&body)?).await?;
        Ok((
            StatusCode::OK,
            json(&dto::ContactDto::from(&c))?,
            Some(c.version),
        ))
    })
    .await
}

fn doc_id(kind: DocumentKind, id: &str) -> Result<DocumentId, ApiError> {
    match DocumentId::parse(id) {
        Ok(d) if id.starts_with(kind.id_prefix()) => Ok(d),
        _ => Err(Error::NotFound("document").into()),
    }
}

/// The five handlers of one document kind, with their OpenAPI annotations. The paths,
/// tag, nouns and permission strings are passed as literals because `#[utoipa::path]` reads
/// them at expansion time.
macro_rules! document_handlers {
    (
        kind: $kind:expr,
        segment: $segment:literal,
        tag: $tag:literal,
        noun: $noun:literal,
        a_noun: $a_noun:literal,
        id_prefix: $id_doc:literal,
        list_path: $list_path:literal,
        item_path: $item_path:literal,
        read: $read:literal,
        draft: $draft:literal,
        list_doc: $list_doc:literal,
        fns: ($list:ident, $get:ident, $create:ident, $update:ident, $discard:ident) $(,)?
    ) => {
        #[doc = concat!("`GET /", $segment, "`")]
        #[utoipa::path(
            get,
            path = $list_path,
            tag = $tag,
            operation_id = stringify!($list),
            summary = concat!("List ", $noun, "s"),
            description = $list_doc,
            params(
                ("company_id" = String, Path, description = "Company id (`cmp_…`)"),
                ListParams
            ),
            responses(
                (status = 200, description = concat!("A page of ", $noun, "s"), body = ListPage<dto::DocumentDto>),
                (status = 422, response = schemas::Invalid)
            ),
            security(("bearer" = [$read]), ("app_credentials" = [$read]))
        )]
        pub async fn $list(
            State(s): State<AppState>,
            ApiAccess(a): ApiAccess,
            ApiQuery(p): ApiQuery<ListParams>,
        ) -> Res {
            let q = p.query(a.today(s.svc.clock.as_ref()))?;
            let (read, limit) = ($kind.info().read, q.limit);
            let what = format!("api/{}/{q:?}", $segment);
            let w = usize::try_from(limit).unwrap_or(1);
            let body = views::shaped(&s.svc, &a, read, what, w, || async {
                let page = views::documents::list(&s.svc, &a, $kind, q).await?;
                json_bytes(&ListPage {
                    data: page
                        .data
                        .iter()
                        .map(|v| dto::document(&v.doc, &s.config.base_url))
                        .collect(),
                    next_cursor: page.next_cursor.clone(),
                })
            })
            .await?;
            Ok(json_response(&body))
        }

        #[doc = concat!("`GET /", $segment, "/{id}`")]
        #[utoipa::path(
            get,
            path = $item_path,
            tag = $tag,
            operation_id = stringify!($get),
            summary = concat!("Get ", $a_noun),
            params(
                ("company_id" = String, Path, description = "Company id (`cmp_…`)"),
                ("id" = String, Path, description = $id_doc)
            ),
            responses(
                (status = 200, description = concat!("The ", $noun), body = dto::DocumentDto,
                    headers(("ETag" = String, description = "Version of the record (`\"v3\"`); send it back in `If-Match`."))),
                (status = 404, response = schemas::NotFound)
            ),
            security(("bearer" = [$read]), ("app_credentials" = [$read]))
        )]
        pub async fn $get(
            State(s): State<AppState>,
            ApiAccess(a): ApiAccess,
            Path((_company, id)): Path<(String, String)>,
        ) -> Res {
            let d = documents::get_shared(&s.svc, &a, $kind, &doc_id($kind, &id)?).await?;
            Ok(with_etag(
                StatusCode::OK,
                &dto::document(&d, &s.config.base_url),
                d.version,
            ))
        }

        #[doc = concat!("`POST /", $segment, "`: creates a draft")]
        #[utoipa::path(
            post,
            path = $list_path,
            tag = $tag,
            operation_id = stringify!($create),
            summary = concat!("Draft ", $a_noun),
            description = "Creates a draft that records the app that made it. Programs never approve or post: a person reviews the draft in the workspace (`review_url`).",
            params(
                ("company_id" = String, Path, description = "Company id (`cmp_…`)"),
                ("Idempotency-Key" = Option<String>, Header, description = "Makes the write safe to retry: a retry with the same key and body replays the first response and creates nothing; the same key with another body is refused (422); while the first is in flight, 409. Kept 24 h, per app, company and method + path.")
            ),
            request_body(content = schemas::DocumentInput, content_type = "application/json"),
            responses(
                (status = 201, description = "Draft created", body = dto::DocumentDto,
                    headers(("ETag" = String, description = "Version of the record (`\"v3\"`); send it back in `If-Match`."))),
                (status = 409, response = schemas::Conflict),
                (status = 422, response = schemas::Invalid)
            ),
            security(("bearer" = [$draft]), ("app_credentials" = [$draft]))
        )]
        pub async fn $create(
            State(s): State<AppState>,
            ApiAccess(a): ApiAccess,
            Path(company): Path<String>,
            headers: HeaderMap,
            body: Bytes,
        ) -> Response {
            let path = format!("POST /api/v1/companies/{company}/{}", $segment);
            idempotent(&s, &a, &path, &headers, &body, async |w| {
                a.require($kind.info().draft)?;
                let d = documents::create_draft_in(w, &a, $kind, parse(&body)?).await?;
                Ok((
                    StatusCode::CREATED,
                    json(&dto::document(&d, &s.config.base_url))?,
                    Some(d.version),
                ))
            })
            .await
        }

        #[doc = concat!("`PUT /", $segment, "/{id}`: replaces a draft")]
        #[utoipa::path(
            put,
            path = $item_path,
            tag = $tag,
            operation_id = stringify!($update),
            summary = concat!("Replace a draft ", $noun),
            description = "Only drafts change; approved documents are voided by a person instead.",
            params(
                ("company_id" = String, Path, description = "Company id (`cmp_…`)"),
                ("id" = String, Path, description = $id_doc),
                ("If-Match" = Option<String>, Header, pattern = r#"^(W/)?"?v[0-9]{1,18}"?$"#, description = "The `ETag` you read (e.g. `\"v3\"`): refused with 412 if the record changed since, 422 if it is not an ETag."),
                ("Idempotency-Key" = Option<String>, Header, description = "Makes the write safe to retry (see the create operation).")
            ),
            request_body(content = schemas::DocumentInput, content_type = "application/json"),
            responses(
                (status = 200, description = "Draft updated", body = dto::DocumentDto,
                    headers(("ETag" = String, description = "Version of the record (`\"v3\"`); send it back in `If-Match`."))),
                (status = 404, response = schemas::NotFound),
                (status = 409, response = schemas::Conflict),
                (status = 412, response = schemas::Stale),
                (status = 422, response = schemas::Invalid)
            ),
            security(("bearer" = [$draft]), ("app_credentials" = [$draft]))
        )]
        pub async fn $update(
            State(s): State<AppState>,
            ApiAccess(a): ApiAccess,
            Path((company, id)): Path<(String, String)>,
            headers: HeaderMap,
            body: Bytes,
        ) -> Response {
            let path = format!("PUT /api/v1/companies/{company}/{}/{id}", $segment);
            idempotent(&s, &a, &path, &headers, &body, async |w| {
                a.require($kind.info().draft)?;
                let d = documents::update_draft_in(
                    w,
                    &a,
                    $kind,
                    &doc_id($kind, &id)?,
                    if_match(&headers)?,
                    parse(&body)?,
                )
                .await?;
                Ok((
                    StatusCode::OK,
                    json(&dto::document(&d, &s.config.base_url))?,
                    Some(d.version),
                ))
            })
            .await
        }

        #[doc = concat!("`DELETE /", $segment, "/{id}`: discards a draft")]
        #[utoipa::path(
            delete,
            path = $item_path,
            tag = $tag,
            operation_id = stringify!($discard),
            summary = concat!("Discard a draft ", $noun),
            params(
                ("company_id" = String, Path, description = "Company id (`cmp_…`)"),
                ("id" = String, Path, description = $id_doc),
                ("If-Match" = Option<String>, Header, pattern = r#"^(W/)?"?v[0-9]{1,18}"?$"#, description = "The `ETag` you read (e.g. `\"v3\"`): refused with 412 if the record changed since, 422 if it is not an ETag.")
            ),
            responses(
                (status = 204, description = "Discarded"),
                (status = 404, response = schemas::NotFound),
                (status = 409, response = schemas::Conflict),
                (status = 412, response = schemas::Stale),
                (status = 422, response = schemas::Invalid)
            ),
            security(("bearer" = [$draft]), ("app_credentials" = [$draft]))
        )]
        pub async fn $discard(
            State(s): State<AppState>,
            ApiAccess(a): ApiAccess,
            Path((_company, id)): Path<(String, String)>,
            headers: HeaderMap,
        ) -> Res {
            documents::discard(&s.svc, &a, $kind, &doc_id($kind, &id)?, if_match(&headers)?)
                .await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
    };
}

document_handlers!(
    kind: DocumentKind::Invoice,
    segment: "invoices",
    tag: "Invoices",
    noun: "invoice",
    a_noun: "an invoice",
    id_prefix: "Invoice id (`inv_…`)",
    list_path: "/api/v1/companies/{company_id}/invoices",
    item_path: "/api/v1/companies/{company_id}/invoices/{id}",
    read: "invoices:read",
    draft: "invoices:draft",
    list_doc: "Filters: `status` (`draft`, `approved`, `paid`, `voided`, `discarded`, or `overdue`), `contact_id`, `from`/`to` (issue date), `updated_since` (includes discarded and voided ones, for sync).",
    fns: (list_invoices, get_invoice, create_invoice, update_invoice, discard_invoice),
);
document_handlers!(
    kind: DocumentKind::Bill,
    segment: "bills",
    tag: "Bills",
    noun: "bill",
    a_noun: "a bill",
    id_prefix: "Bill id (`bil_…`)",
    list_path: "/api/v1/companies/{company_id}/bills",
    item_path: "/api/v1/companies/{company_id}/bills/{id}",
    read: "bills:read",
    draft: "bills:draft",
    list_doc: "Filters: `status` (`draft`, `approved`, `paid`, `voided`, `discarded`, or `overdue`), `contact_id`, `from`/`to` (issue date), `updated_since` (includes discarded and voided ones, for sync).",
    fns: (list_bills, get_bill, create_bill, update_bill, discard_bill),
);
document_handlers!(
    kind: DocumentKind::Expense,
    segment: "expenses",
    tag: "Expenses",
    noun: "expense",
    a_noun: "an expense",
    id_prefix: "Expense id (`exp_…`)",
    list_path: "/api/v1/companies/{company_id}/expenses",
    item_path: "/api/v1/companies/{company_id}/expenses/{id}",
    read: "expenses:read",
    draft: "expenses:draft",
    list_doc: "Filters: `status` (`draft`, `approved`, `voided`, `discarded`), `contact_id`, `from`/`to` (date), `updated_since` (includes discarded and voided ones, for sync).",
    fns: (list_expenses, get_expense, create_expense, update_expense, discard_expense),
);

fn entry_id(id: &str) -> Result<EntryId, ApiError> {
    EntryId::parse(id).map_err(|_| Error::NotFound("journal entry").into())
}

/// `GET /journal-entries`
#[utoipa::path(
    get,
    path = "/api/v1/companies/{company_id}/journal-entries",
    tag = "Journal entries",
    operation_id = "list_entries",
    summary = "List journal entries",
    description = "Filters: `status` (`draft`, `posted`, `discarded`), `from`/`to` (date), `search` (source: `manual`, `invoice`, `bill`, `expense`, `payment`, `reversal`), `updated_since`.",
    params(("company_id" = String, Path, description = "Company id (`cmp_…`)"), ListParams),
    responses((status = 200, description = "A page of journal entries", body = ListPage<dto::EntryDto>), (status = 422, response = schemas::Invalid)),
    security(("bearer" = ["journal:read"]), ("app_credentials" = ["journal:read"]))
)]
pub async fn list_entries(
    State(s): State<AppState>,
    ApiAccess(a): ApiAccess,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Res {
    let page = views::journal::list(&s.svc, &a, p.query(a.today(s.svc.clock.as_ref()))?).await?;
    ok(ListPage {
        data: page
            .data
            .iter()
            .map(|v| dto::entry(&v.entry, a.company.currency, &s.config.base_url))
            .collect(),
        next_cursor: page.next_cursor.clone(),
    })
}

/// `GET /journal-entries/{id}`
#[utoipa::path(
    get,
    path = "/api/v1/companies/{company_id}/journal-entries/{id}",
    tag = "Journal entries",
    operation_id = "get_entry",
    summary = "Get a journal entry",
    params(("company_id" = String, Path, description = "Company id (`cmp_…`)"), ("id" = String, Path, description = "Journal entry id (`jnl_…`)")),
    responses((status = 200, description = "The entry", body = dto::EntryDto, headers(("ETag" = String, description = "Version of the record (`\"v3\"`); send it back in `If-Match`."))), (status = 404, response = schemas::NotFound)),
    security(("bearer" = ["journal:read"]), ("app_credentials" = ["journal:read"]))
)]
pub async fn get_entry(
    State(s): State<AppState>,
    ApiAccess(a): ApiAccess,
    Path((_company, id)): Path<(String, String)>,
) -> Res {
    let e = journal::get(&s.svc, &a, &entry_id(&id)?).await?;
    Ok(with_etag(
        StatusCode::OK,
        &dto::entry(&e, a.company.currency, &s.config.base_url),
        e.version,
    ))
}

/// `POST /journal-entries`: creates a draft (it must balance).
#[utoipa::path(
    post,
    path = "/api/v1/companies/{company_id}/journal-entries",
    tag = "Journal entries",
    operation_id = "create_entry",
    summary = "Draft a manual journal entry",
    description = "The lines must balance. The draft records the app that made it; a person posts it in the workspace.",
    params(("company_id" = String, Path, description = "Company id (`cmp_…`)"), ("Idempotency-Key" = Option<String>, Header, description = "Makes the write safe to retry: a retry with the same key and body replays the first response and creates nothing; the same key with another body is refused (422); while the first is in flight, 409. Kept 24 h, per app, company and method + path.")),
    request_body(content = schemas::JournalInput, content_type = "application/json"),
    responses((status = 201, description = "Draft created", body = dto::EntryDto, headers(("ETag" = String, description = "Version of the record (`\"v3\"`); send it back in `If-Match`."))), (status = 409, response = schemas::Conflict), (status = 422, response = schemas::Invalid)),
    security(("bearer" = ["journal:draft"]), ("app_credentials" = ["journal:draft"]))
)]
pub async fn create_entry(
    State(s): State<AppState>,
    ApiAccess(a): ApiAccess,
    Path(company): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = format!("POST /api/v1/companies/{company}/journal-entries");
    idempotent(&s, &a, &path, &headers, &body, async |w| {
        a.require(Permission::JournalDraft)?;
        let e = journal::create_draft_in(w, &a, parse(&body)?).await?;
        Ok((
            StatusCode::CREATED,
            json(&dto::entry(&e, a.company.currency, &s.config.base_url))?,
            Some(e.version),
        ))
    })
    .await
}

/// `PUT /journal-entries/{id}`: replaces a draft.
#[utoipa::path(
    put,
    path = "/api/v1/companies/{company_id}/journal-entries/{id}",
    tag = "Journal entries",
    operation_id = "update_entry",
    summary = "Replace a draft journal entry",
    description = "Posted entries never change: they are reversed by a person.",
    params(("company_id" = String, Path, description = "Company id (`cmp_…`)"), ("id" = String, Path, description = "Journal entry id (`jnl_…`)"), ("If-Match" = Option<String>, Header, pattern = r#"^(W/)?"?v[0-9]{1,18}"?$"#, description = "The `ETag` you read (e.g. `\"v3\"`): refused with 412 if the record changed since, 422 if it is not an ETag."), ("Idempotency-Key" = Option<String>, Header, description = "Makes the write safe to retry: a retry with the same key and body replays the first response and creates nothing; the same key with another body is refused (422); while the first is in flight, 409. Kept 24 h, per app, company and method + path.")),
    request_body(content = schemas::JournalInput, content_type = "application/json"),
    responses((status = 200, description = "Draft updated", body = dto::EntryDto, headers(("ETag" = String, description = "Version of the record (`\"v3\"`); send it back in `If-Match`."))), (status = 404, response = schemas::NotFound), (status = 409, response = schemas::Conflict), (status = 412, response = schemas::Stale), (status = 422, response = schemas::Invalid)),
    security(("bearer" = ["journal:draft"]), ("app_credentials" = ["journal:draft"]))
)]
pub async fn update_entry(
    State(s): State<AppState>,
    ApiAccess(a): ApiAccess,
    Path((company, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = format!("PUT /api/v1/companies/{company}/journal-entries/{id}");
    idempotent(&s, &a, &path, &headers, &body, async |w| {
        a.require(Permission::JournalDraft)?;
        let e =
            journal::update_draft_in(w, &a, &entry_id(&id)?, if_match(&headers)?, parse(&body)?)
                .await?;
        Ok((
            StatusCode::OK,
            json(&dto::entry(&e, a.company.currency, &s.config.base_url))?,
            Some(e.version),
        ))
    })
    .await
}

/// `DELETE /journal-entries/{id}`: discards a draft.
#[utoipa::path(
    delete,
    path = "/api/v1/companies/{company_id}/journal-entries/{id}",
    tag = "Journal entries",
    operation_id = "discard_entry",
    summary = "Discard a draft journal entry",
    params(("company_id" = String, Path, description = "Company id (`cmp_…`)"), ("id" = String, Path, description = "Journal entry id (`jnl_…`)"), ("If-Match" = Option<String>, Header, pattern = r#"^(W/)?"?v[0-9]{1,18}"?$"#, description = "The `ETag` you read (e.g. `\"v3\"`): refused with 412 if the record changed since, 422 if it is not an ETag.")),
    responses((status = 204, description = "Discarded"), (status = 404, response = schemas::NotFound), (status = 409, response = schemas::Conflict), (status = 412, response = schemas::Stale), (status = 422, response = schemas::Invalid)),
    security(("bearer" = ["journal:draft"]), ("app_credentials" = ["journal:draft"]))
)]
pub async fn discard_entry(
    State(s): State<AppState>,
    ApiAccess(a): ApiAccess,
    Path((_company, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Res {
    journal::discard(&s.svc, &a, &entry_id(&id)?, if_match(&headers)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /payments`
#[utoipa::path(
    get,
    path = "/api/v1/companies/{company_id}/payments",
    tag = "Payments",
    operation_id = "list_payments",
    summary = "List payments",
    description = "Filters: `status` (`received`, `made`), `contact_id`, `from`/`to`, `updated_since`.",
    params(("company_id" = String, Path, description = "Company id (`cmp_…`)"), ListParams),
    responses((status = 200, description = "A page of payments", body = ListPage<dto::PaymentDto>), (status = 422, response = schemas::Invalid)),
    security(("bearer" = ["bank:read"]), ("app_credentials" = ["bank:read"]))
)]
pub async fn list_payments(
    State(s): State<AppState>,
    ApiAccess(a): ApiAccess,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Res {
    let page = payments::list(&s.svc, &a, p.query(a.today(s.svc.clock.as_ref()))?).await?;
    ok(ListPage {
        data: page
            .data
            .iter()
            .map(|p| dto::payment(p, a.company.currency))
            .collect(),
        next_cursor: page.next_cursor,
    })
}

/// `GET /payments/{id}`
#[utoipa::path(
    get,
    path = "/api/v1/companies/{company_id}/payments/{id}",
    tag = "Payments",
    operation_id = "get_payment",
    summary = "Get a payment",
    params(("company_id" = String, Path, description = "Company id (`cmp_…`)"), ("id" = String, Path, description = "Payment id (`pay_…`)")),
    responses((status = 200, description = "The payment", body = dto::PaymentDto), (status = 404, response = schemas::NotFound)),
    security(("bearer" = ["bank:read"]), ("app_credentials" = ["bank:read"]))
)]
pub async fn get_payment(
    State(s): State<AppState>,
    ApiAccess(a): ApiAccess,
    Path((_company, id)): Path<(String, String)>,
) -> Res {
    let id = PaymentId::parse(&id).map_err(|_| Error::NotFound("payment"))?;
    let p = payments::get(&s.svc, &a, &id).await?;
    ok(dto::payment(&p, a.company.currency))
}
