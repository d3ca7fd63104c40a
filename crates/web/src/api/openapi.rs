//! The OpenAPI 3.1 document of the REST API and the token endpoint, generated from the
//! handlers' `#[utoipa::path]` annotations, served at `GET /api/v1/openapi.json`; and the
//! human-readable API reference (Swagger UI, assets compiled into the binary) at
//! `/api/v1/docs`. A copy of the document is committed at `docs/openapi.json`; a test fails
//! when they drift (regenerate with `NEWLEDGER_UPDATE_OPENAPI=1 cargo test -p newledger-web
//! --test openapi`).

use super::openapi_rules::EnforcedRules;
use super::{books, dto, ledger, reports, schemas};
use crate::state::AppState;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use newledger_domain::permission::Permission;
use std::sync::LazyLock;
use utoipa::openapi::security::{
    ClientCredentials, Flow, Http, HttpAuthScheme, OAuth2, Scopes, SecurityScheme,
};
use utoipa::openapi::{Header, ObjectBuilder, Ref, RefOr, Type};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::{Config, SwaggerUi};

/// Where the document is served.
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";
/// Where the API reference page is served.
pub const DOCS_PATH: &str = "/api/v1/docs";

/// The API reference page runs Swagger UI's scripts (from this server only) and sets some
/// inline styles, and calls the API itself for "Try it out"; nothing comes from elsewhere.
pub const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// The OpenAPI document (paths, schemas, security schemes).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "NewLedger REST API",
        version = "1",
        description = include_str!("openapi_intro.md"),
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later")
    ),
    paths(
        crate::oauth::token::token,
        books::get_company,
        books::list_accounts,
        books::list_bank_accounts,
        books::list_contacts,
        books::create_contact,
        books::get_contact,
        books::update_contact,
        books::list_invoices,
        books::create_invoice,
        books::get_invoice,
        books::update_invoice,
        books::discard_invoice,
        books::list_bills,
        books::create_bill,
        books::get_bill,
        books::update_bill,
        books::discard_bill,
        books::list_expenses,
        books::create_expense,
        books::get_expense,
        books::update_expense,
        books::discard_expense,
        books::list_entries,
        books::create_entry,
        books::get_entry,
        books::update_entry,
        books::discard_entry,
        books::list_payments,
        books::get_payment,
        reports::trial_balance,
        reports::profit_and_loss,
        reports::balance_sheet,
        reports::cash_summary,
        reports::ar_aging,
        reports::ap_aging,
        reports::expenses,
        ledger::general_ledger,
        ledger::export_ledger,
    ),
    components(
        schemas(
            schemas::Problem,
            schemas::FieldError,
            dto::ActorDto,
            dto::CompanyDto,
            dto::AccountDto,
            dto::ContactDto,
            dto::LineDto,
            dto::DocumentDto,
            dto::JournalLineDto,
            dto::EntryDto,
            dto::AllocationDto,
            dto::PaymentDto,
            schemas::BankAccount,
            ledger::ExportFormat,
        ),
        responses(
            schemas::Unauthorized,
            schemas::Forbidden,
            schemas::NotFound,
            schemas::Invalid,
            schemas::Conflict,
            schemas::Stale,
            schemas::RateLimited,
        )
    ),
    modifiers(&SecuritySchemes, &CommonResponses, &EnforcedRules),
    tags(
        (name = "OAuth", description = "Exchanging API credentials for access tokens."),
        (name = "Company", description = "The company profile."),
        (name = "Accounts", description = "Chart of accounts, bank and card accounts."),
        (name = "Contacts", description = "Customers and suppliers."),
        (name = "Invoices", description = "Sales invoices (accounts receivable). Programs draft; people approve."),
        (name = "Bills", description = "Supplier bills (accounts payable). Programs draft; people approve."),
        (name = "Expenses", description = "Spend money and receipts. Programs draft; people approve."),
        (name = "Journal entries", description = "Manual journal entries. Programs draft; people post."),
        (name = "Payments", description = "Payments received and made, and what they pay."),
        (name = "Reports", description = "Accrual-basis reports for any date or date range."),
    )
)]
pub struct ApiDoc;

/// Adds the security schemes: the bearer token itself, the client credentials flow that
/// yields it (its scopes are the delegable permissions), and client authentication at the
/// token endpoint.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        let mut bearer = Http::new(HttpAuthScheme::Bearer);
        bearer.bearer_format = Some("opaque, nlat_ prefix".into());
        bearer.description = Some(
            "An access token (`nlat_…`) from `POST /oauth/token` (client credentials), sent as \
             `Authorization: Bearer nlat_…`. It is bound to one company and the REST API, lasts \
             15 minutes by default, and carries the permissions in `scope`; each operation lists \
             the permission it needs. Revoking the app stops every token at the next request."
                .into(),
        );
        components.add_security_scheme("bearer", SecurityScheme::Http(bearer));

        let scopes: Scopes = Permission::ALL
            .iter()
            .filter(|p| p.is_delegable())
            .map(|p| (p.as_str(), p.label()))
            .collect();
        let mut oauth = OAuth2::new([Flow::ClientCredentials(ClientCredentials::new(
            "/oauth/token",
            scopes,
        ))]);
        oauth.description = Some(
            "API credentials (an App Connect app: `client_id` `app_…`, `client_secret` `nlcs_…`) \
             exchanged at `/oauth/token` for a bearer token. Scopes are permission strings; an \
             app gets at most what was delegated to it, and never more than its owner holds now."
                .into(),
        );
        components.add_security_scheme("app_credentials", SecurityScheme::OAuth2(oauth));

        let mut basic = Http::new(HttpAuthScheme::Basic);
        basic.description = Some(
            "`client_secret_basic`: the client id and secret, each form-encoded, as HTTP Basic \
             credentials."
                .into(),
        );
        components.add_security_scheme("client_secret_basic", SecurityScheme::Http(basic));
    }
}

/// Errors and headers every REST API operation shares, added once here rather than repeated
/// on each annotation: 401 (bad token), 403 (missing permission), 429 (rate limit), and the
/// `RateLimit-*` headers on every response.
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let int_header = |description: &str| {
            let mut h = Header::new(ObjectBuilder::new().schema_type(Type::Integer));
            h.description = Some(description.into());
            h
        };
        let rate_headers = [
            (
                "RateLimit-Limit",
                int_header("Requests allowed per minute for this app."),
            ),
            (
                "RateLimit-Remaining",
                int_header("Requests left in the current window."),
            ),
            (
                "RateLimit-Reset",
                int_header("Seconds until the window resets."),
            ),
        ];
        for (path, item) in doc.paths.paths.iter_mut() {
            if !path.starts_with("/api/v1/companies/") {
                continue;
            }
            let ops = [
                item.get.as_mut(),
                item.put.as_mut(),
                item.post.as_mut(),
                item.delete.as_mut(),
            ];
            for op in ops.into_iter().flatten() {
                let r = &mut op.responses.responses;
                for (status, name) in [
                    ("401", "Unauthorized"),
                    ("403", "Forbidden"),
                    ("429", "RateLimited"),
                ] {
                    r.entry(status.into())
                        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
                }
                for resp in r.values_mut() {
                    if let RefOr::T(resp) = resp {
                        for (name, h) in &rate_headers {
                            resp.headers.insert((*name).into(), h.clone());
                        }
                    }
                }
            }
        }
        if let Some(c) = doc.components.as_mut() {
            for resp in c.responses.values_mut() {
                if let RefOr::T(resp) = resp {
                    for (name, h) in &rate_headers {
                        resp.headers.insert((*name).into(), h.clone());
                    }
                }
            }
        }
    }
}

/// The document as served, serialized once.
static DOCUMENT: LazyLock<String> = LazyLock::new(document_json);

/// The document as pretty JSON with a trailing newline (the committed file's format).
pub fn document_json() -> String {
    match ApiDoc::openapi().to_pretty_json() {
        Ok(mut s) => {
            s.push('\n');
            s
        }
        // Serializing plain data structures cannot fail; keep the server up if it ever did.
        Err(e) => {
            tracing::error!(error = %e, "OpenAPI document not serializable");
            String::from("{}")
        }
    }
}

/// `GET /api/v1/openapi.json`
pub async fn openapi_json() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        DOCUMENT.as_str(),
    )
        .into_response()
}

/// The API reference page and its assets under `/api/v1/docs`, with their own
/// Content-Security-Policy.
pub fn docs_routes() -> Router<AppState> {
    let config = Config::new([OPENAPI_PATH])
        .validator_url("none")
        .try_it_out_enabled(true)
        .persist_authorization(false)
        .display_operation_id(false);
    Router::from(SwaggerUi::new(DOCS_PATH).config(config))
        .layer(axum::middleware::from_fn(docs_headers))
}

async fn docs_headers(req: Request, next: Next) -> Response {
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(DOCS_CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    r
}
