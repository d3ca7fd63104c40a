//! Every route of the server, in one place.

use crate::state::AppState;
use crate::{api, health, limits, oauth, pages};
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Builds the application router.
pub fn router(state: AppState) -> Router {
    use api::books::*;
    let company = Router::new()
        .route("/company", get(get_company))
        .route("/accounts", get(list_accounts))
        .route("/bank-accounts", get(list_bank_accounts))
        .route("/contacts", get(list_contacts).post(create_contact))
        .route("/contacts/{id}", get(get_contact).put(update_contact))
        .route("/invoices", get(list_invoices).post(create_invoice))
        .route(
            "/invoices/{id}",
            get(get_invoice).put(update_invoice).delete(discard_invoice),
        )
        .route("/bills", get(list_bills).post(create_bill))
        .route(
            "/bills/{id}",
            get(get_bill).put(update_bill).delete(discard_bill),
        )
        .route("/expenses", get(list_expenses).post(create_expense))
        .route(
            "/expenses/{id}",
            get(get_expense).put(update_expense).delete(discard_expense),
        )
        .route("/journal-entries", get(list_entries).post(create_entry))
        .route(
            "/journal-entries/{id}",
            get(get_entry).put(update_entry).delete(discard_entry),
        )
        .route("/payments", get(list_payments))
        .route("/payments/{id}", get(get_payment))
        .route("/reports/{name}", get(api::reports::report))
        .route("/reports/general-ledger", get(api::ledger::general_ledger))
        .route("/exports/ledger", get(api::ledger::export_ledger))
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(axum::middleware::from_fn(api::run_writes_to_completion));
    let api = Router::new()
        .nest("/api/v1/companies/{company_id}", company)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::api::ratelimit_layer,
        ));
    let mcp = newledger_mcp::router(state.svc.clone(), {
        let mut c = newledger_mcp::McpConfig::new(&state.config.base_url);
        c.body_limit = state.config.body_limit;
        c.sessions_per_principal = state.config.mcp_sessions_per_principal;
        c.session_idle = state.config.mcp_session_idle;
        c
    })
    // The same per-principal rate limit as the REST API (it also checks the token's MAC once).
    .layer(axum::middleware::from_fn_with_state(
        state.clone(),
        crate::api::ratelimit_layer,
    ));
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/oauth/token", post(oauth::token::token))
        .route("/oauth/register", post(oauth::register::register))
        .route("/oauth/revoke", post(oauth::manage::revoke))
        .route("/oauth/introspect", post(oauth::manage::introspect))
        .route("/oauth/clients/{client_id}/logo", get(oauth::logo::logo))
        .route(
            "/.well-known/oauth-authorization-server",
            get(oauth::metadata::metadata),
        )
        .route(api::openapi::OPENAPI_PATH, get(api::openapi::openapi_json))
        .merge(api::openapi::docs_routes())
        .merge(api)
        .merge(mcp)
        .merge(pages::routes())
        .layer(axum::middleware::from_fn_with_state(
            state.config.request_timeout,
            limits::time_limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.config.body_limit,
            limits::body_limit,
        ))
        // The extractors' own cap, so that they too refuse past the configured size.
        .layer(axum::extract::DefaultBodyLimit::max(
            state.config.body_limit,
        ))
        .layer(CatchPanicLayer::custom(crate::error::panic_response))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            https_only,
        ))
        .layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// When the public base URL is https: `Strict-Transport-Security` on every response, and every
/// cookie (the one-line notice too) marked `Secure`.
async fn https_only(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut r = next.run(req).await;
    if !state.config.secure_cookies {
        return r;
    }
    let h = r.headers_mut();
    h.insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=31536000"),
    );
    let cookies: Vec<HeaderValue> = h.get_all(header::SET_COOKIE).iter().cloned().collect();
    if cookies.iter().any(|c| !has_secure(c)) {
        h.remove(header::SET_COOKIE);
        for c in cookies {
            let c = if has_secure(&c) {
                Some(c)
            } else {
                c.to_str()
                    .ok()
                    .and_then(|s| HeaderValue::from_str(&format!("{s}; Secure")).ok())
            };
            if let Some(c) = c {
                h.append(header::SET_COOKIE, c);
            }
        }
    }
    r
}

fn has_secure(c: &HeaderValue) -> bool {
    c.to_str().is_ok_and(|s| {
        s.split(';')
            .any(|part| part.trim().eq_ignore_ascii_case("secure"))
    })
}
