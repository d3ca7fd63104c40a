//! Company, accounts, contacts, documents, journal entries, bank accounts and payments.

use super::dto::{self, ListPage};
use super::{ListParams, idempotent, if_match, json, parse, with_etag};
use crate::error::ApiError;
use crate::extract::ApiAccess;
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use newledger_domain::document::DocumentKind;
use newledger_domain::ids::{ContactId, DocumentId, EntryId, PaymentId};
use newledger_domain::permission::Permission;
use newledger_service::Error;
use newledger_service::books::{accounts, contacts, documents, journal, payments};

type Res = Result<Response, ApiError>;

fn ok<T: serde::Serialize>(v: T) -> Res {
    Ok(Json(v).into_response())
}

/// `GET /company`
pub async fn get_company(ApiAccess(a): ApiAccess) -> Res {
    a.require(Permission::CompanyRead)?;
    ok(dto::CompanyDto::from(&a.company))
}

/// `GET /accounts`
pub async fn list_accounts(State(s): State<AppState>, ApiAccess(a): ApiAccess) -> Res {
    let list = accounts::list(&s.svc, &a).await?;
    ok(ListPage {
        data: list.iter().map(dto::AccountDto::from).collect(),
        next_cursor: None,
    })
}

/// `GET /bank-accounts`: bank and card accounts with their balance today.
pub async fn list_bank_accounts(State(s): State<AppState>, ApiAccess(a): ApiAccess) -> Res {
    a.require(Permission::BankRead)?;
    let today = s.svc.clock.today();
    let totals = s
        .svc
        .store
        .account_totals(&a.company.id, None, today)
        .await
        .map_err(Error::from)?;
    let list = s
        .svc
        .store
        .accounts(&a.company.id)
        .await
        .map_err(Error::from)?;
    let data: Vec<serde_json::Value> = list
        .iter()
        .filter(|acc| acc.role.is_money())
        .map(|acc| {
            let (d, c) = totals.iter().find(|t| t.0 == acc.id).map_or((0, 0), |t| (t.1, t.2));
            serde_json::json!({"id": acc.id, "code": acc.code, "name": acc.name, "kind": acc.role.as_str(),
                "balance": a.company.currency.format(d - c), "currency": a.company.currency.code(), "as_of": today})
        })
        .collect();
    ok(serde_json::json!({"data": data, "next_cursor": null}))
}

/// `GET /contacts`
pub async fn list_contacts(
    State(s): State<AppState>,
    ApiAccess(a): ApiAccess,
    Query(p): Query<ListParams>,
) -> Res {
    let page = contacts::list(&s.svc, &a, p.query(s.svc.clock.today())?).await?;
    ok(ListPage {
        data: page.data.iter().map(dto::ContactDto::from).collect(),
        next_cursor: page.next_cursor,
    })
}

/// `GET /contacts/{id}`
pub async fn get_contact(
    State(s): State<AppState>,
    ApiAccess(a): ApiAccess,
    Path((_, id)): Path<(String, String)>,
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
pub async fn create_contact(
    State(s): State<AppState>,
    ApiAccess(a): ApiAccess,
    Path(company): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = format!("POST /api/v1/companies/{company}/contacts");
    idempotent(&s, &a, &path, &headers, &body, || async {
        let c = contacts::create(&s.svc, &a, parse(&body)?).await?;
        Ok((
            StatusCode::CREATED,
            json(&dto::ContactDto::from(&c))?,
            Some(c.version),
        ))
    })
    .await
}

/// `PUT /contacts/{id}`
pub async fn update_contact(
    State(s): State<AppState>,
    ApiAccess(a): ApiAccess,
    Path((company, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = format!("PUT /api/v1/companies/{company}/contacts/{id}");
    idempotent(&s, &a, &path, &headers, &body, || async {
        let id = ContactId::parse(&id).map_err(|_| Error::NotFound("contact"))?;
        let c = contacts::update(&s.svc, &a, &id, if_match(&headers)?, parse(&body)?).await?;
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

macro_rules! document_handlers {
    ($kind:expr, $segment:literal, $list:ident, $get:ident, $create:ident, $update:ident, $discard:ident) => {
        #[doc = concat!("`GET /", $segment, "`")]
        pub async fn $list(
            State(s): State<AppState>,
            ApiAccess(a): ApiAccess,
            Query(p): Query<ListParams>,
        ) -> Res {
            let page = documents::list(&s.svc, &a, $kind, p.query(s.svc.clock.today())?).await?;
            ok(ListPage {
                data: page
                    .data
                    .iter()
                    .map(|d| dto::document(d, &s.config.base_url))
                    .collect(),
                next_cursor: page.next_cursor,
            })
        }

        #[doc = concat!("`GET /", $segment, "/{id}`")]
        pub async fn $get(
            State(s): State<AppState>,
            ApiAccess(a): ApiAccess,
            Path((_, id)): Path<(String, String)>,
        ) -> Res {
            let d = documents::get(&s.svc, &a, $kind, &doc_id($kind, &id)?).await?;
            Ok(with_etag(
                StatusCode::OK,
                &dto::document(&d, &s.config.base_url),
                d.version,
            ))
        }

        #[doc = concat!("`POST /", $segment, "`: creates a draft")]
        pub async fn $create(
            State(s): State<AppState>,
            ApiAccess(a): ApiAccess,
            Path(company): Path<String>,
            headers: HeaderMap,
            body: Bytes,
        ) -> Response {
            let path = format!("POST /api/v1/companies/{company}/{}", $segment);
            idempotent(&s, &a, &path, &headers, &body, || async {
                let d = documents::create_draft(&s.svc, &a, $kind, parse(&body)?).await?;
                Ok((
                    StatusCode::CREATED,
                    json(&dto::document(&d, &s.config.base_url))?,
                    Some(d.version),
                ))
            })
            .await
        }

        #[doc = concat!("`PUT /", $segment, "/{id}`: replaces a draft")]
        pub async fn $update(
            State(s): State<AppState>,
            ApiAccess(a): ApiAccess,
            Path((company, id)): Path<(String, String)>,
            headers: HeaderMap,
            body: Bytes,
        ) -> Response {
            let path = format!("PUT /api/v1/companies/{company}/{}/{id}", $segment);
            idempotent(&s, &a, &path, &headers, &body, || async {
                let d = documents::update_draft(
                    &s.svc,
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
        pub async fn $discard(
            State(s): State<AppState>,
            ApiAccess(a): ApiAccess,
            Path((_, id)): Path<(String, String)>,
            headers: HeaderMap,
        ) -> Res {
            documents::discard(&s.svc, &a, $kind, &doc_id($kind, &id)?, if_match(&headers)?)
                .await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
    };
}

document_handlers!(
    DocumentKind::Invoice,
    "invoices",
    list_invoices,
    get_invoice,
    create_invoice,
    update_invoice,
    discard_invoice
);
document_handlers!(
    DocumentKind::Bill,
    "bills",
    list_bills,
    get_bill,
    create_bill,
    update_bill,
    discard_bill
);
document_handlers!(
    DocumentKind::Expense,
    "expenses",
    list_expenses,
    get_expense,
    create_expense,
    update_expense,
    discard_expense
);

fn entry_id(id: &str) -> Result<EntryId, ApiError> {
    EntryId::parse(id).map_err(|_| Error::NotFound("journal entry").into())
}

/// `GET /journal-entries`
pub async fn list_entries(
    State(s): State<AppState>,
    ApiAccess(a): ApiAccess,
    Query(p): Query<ListParams>,
) -> Res {
    let page = journal::list(&s.svc, &a, p.query(s.svc.clock.today())?).await?;
    ok(ListPage {
        data: page
            .data
            .iter()
            .map(|e| dto::entry(e, a.company.currency))
            .collect(),
        next_cursor: page.next_cursor,
    })
}

/// `GET /journal-entries/{id}`
pub async fn get_entry(
    State(s): State<AppState>,
    ApiAccess(a): ApiAccess,
    Path((_, id)): Path<(String, String)>,
) -> Res {
    let e = journal::get(&s.svc, &a, &entry_id(&id)?).await?;
    Ok(with_etag(
        StatusCode::OK,
        &dto::entry(&e, a.company.currency),
        e.version,
    ))
}

/// `POST /journal-entries`: creates a draft (it must balance).
pub async fn create_entry(
    State(s): State<AppState>,
    ApiAccess(a): ApiAccess,
    Path(company): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = format!("POST /api/v1/companies/{company}/journal-entries");
    idempotent(&s, &a, &path, &headers, &body, || async {
        let e = journal::create_draft(&s.svc, &a, parse(&body)?).await?;
        Ok((
            StatusCode::CREATED,
            json(&dto::entry(&e, a.company.currency))?,
            Some(e.version),
        ))
    })
    .await
}

/// `PUT /journal-entries/{id}`: replaces a draft.
pub async fn update_entry(
    State(s): State<AppState>,
    ApiAccess(a): ApiAccess,
    Path((company, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = format!("PUT /api/v1/companies/{company}/journal-entries/{id}");
    idempotent(&s, &a, &path, &headers, &body, || async {
        let e = journal::update_draft(
            &s.svc,
            &a,
            &entry_id(&id)?,
            if_match(&headers)?,
            parse(&body)?,
        )
        .await?;
        Ok((
            StatusCode::OK,
            json(&dto::entry(&e, a.company.currency))?,
            Some(e.version),
        ))
    })
    .await
}

/// `DELETE /journal-entries/{id}`: discards a draft.
pub async fn discard_entry(
    State(s): State<AppState>,
    ApiAccess(a): ApiAccess,
    Path((_, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Res {
    journal::discard(&s.svc, &a, &entry_id(&id)?, if_match(&headers)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /payments`
pub async fn list_payments(
    State(s): State<AppState>,
    ApiAccess(a): ApiAccess,
    Query(p): Query<ListParams>,
) -> Res {
    let page = payments::list(&s.svc, &a, p.query(s.svc.clock.today())?).await?;
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
pub async fn get_payment(
    State(s): State<AppState>,
    ApiAccess(a): ApiAccess,
    Path((_, id)): Path<(String, String)>,
) -> Res {
    let id = PaymentId::parse(&id).map_err(|_| Error::NotFound("payment"))?;
    let p = payments::get(&s.svc, &a, &id).await?;
    ok(dto::payment(&p, a.company.currency))
}
