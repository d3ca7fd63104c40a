//! The OpenAPI document: the served copy equals the committed `docs/openapi.json`; the
//! documentation-only request schemas match the service types they mirror; every route of the
//! REST API is documented; and live responses (demo data, over real HTTP) match their
//! documented schemas.
//!
//! Regenerate the committed file after changing an annotation or a wire type:
//! `NEWLEDGER_UPDATE_OPENAPI=1 cargo test -p newledger-web --test openapi`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use newledger_domain::actor::Actor;
use newledger_domain::permission::PermissionSet;
use newledger_service::Access;
use newledger_service::app_connect::apps::{self, NewApp};
use newledger_testkit::db::TestDb;
use newledger_testkit::spawn_app;
use serde::de::{DeserializeOwned, Visitor};
use serde_json::Value;
use std::collections::BTreeSet;

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
const REGENERATE: &str = "NEWLEDGER_UPDATE_OPENAPI=1 cargo test -p newledger-web --test openapi";

fn document() -> Value {
    serde_json::from_str(&newledger_web::api::openapi::document_json()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_document_equals_committed_file() {
    let db = TestDb::sqlite().await;
    let app = spawn_app(&db.url).await;
    let r = app
        .http
        .get(format!("{}/api/v1/openapi.json", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    let served = r.text().await.unwrap();
    assert_eq!(served, newledger_web::api::openapi::document_json());

    if std::env::var("NEWLEDGER_UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::write(COMMITTED, &served).unwrap();
        eprintln!("wrote {COMMITTED}");
        return;
    }
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    if committed != served {
        let diff = committed
            .lines()
            .zip(served.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .map(|(i, (a, b))| {
                format!(
                    "first difference at line {}:\n  committed: {a}\n  served:    {b}",
                    i + 1
                )
            })
            .unwrap_or_else(|| "the files differ in length".into());
        panic!(
            "docs/openapi.json is out of date with the code ({diff}).\nRegenerate it with:\n  {REGENERATE}\nand commit the result."
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reference_page_is_served_from_the_app_with_its_own_csp() {
    let db = TestDb::sqlite().await;
    let app = spawn_app(&db.url).await;
    let r = app
        .http
        .get(format!("{}/api/v1/docs", app.base))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    let r = app
        .http
        .get(format!("{}/api/v1/docs/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(
        !csp.contains("http"),
        "no other origin may be allowed: {csp}"
    );
    let html = r.text().await.unwrap();
    assert!(
        !html.contains("://"),
        "the page loads nothing from elsewhere:\n{html}"
    );
    for asset in [
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
    ] {
        assert!(html.contains(asset), "{asset} not referenced");
        let r = app
            .http
            .get(format!("{}/api/v1/docs/{asset}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{asset}");
    }
    let init = app
        .http
        .get(format!("{}/api/v1/docs/swagger-initializer.js", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(init.contains("/api/v1/openapi.json"), "{init}");
    assert!(init.contains("\"validatorUrl\": \"none\""), "{init}");
}

// ------------------------------------------------------------------ request schemas

/// Records the field list serde asks for when deserializing a struct, then stops.
struct FieldCapture<'a>(&'a mut Vec<&'static str>);

impl<'de> serde::Deserializer<'de> for FieldCapture<'_> {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(serde::de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.extend_from_slice(fields);
        Err(serde::de::Error::custom("fields captured"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// The JSON field names the real type reads.
fn fields_of<T: DeserializeOwned>() -> BTreeSet<String> {
    let mut fields = Vec::new();
    let _ = T::deserialize(FieldCapture(&mut fields));
    assert!(
        !fields.is_empty(),
        "{} is not a plain struct",
        std::any::type_name::<T>()
    );
    fields.into_iter().map(str::to_owned).collect()
}

fn schema<'a>(doc: &'a Value, name: &str) -> &'a Value {
    let s = &doc["components"]["schemas"][name];
    assert!(s.is_object(), "schema {name} missing from the document");
    s
}

fn properties(s: &Value) -> BTreeSet<String> {
    s["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

/// The mirror schema `name` documents the real type `T`: same fields, its example is accepted
/// by `T`, and so is the example cut down to the fields the schema marks required.
fn check_mirror<T: DeserializeOwned>(doc: &Value, name: &str) {
    let s = schema(doc, name);
    assert_eq!(
        properties(s),
        fields_of::<T>(),
        "schema {name} and {} list different fields: update crates/web/src/api/schemas.rs",
        std::any::type_name::<T>()
    );
    let example = s["example"].clone();
    assert!(example.is_object(), "schema {name} has no example");
    assert_eq!(
        example
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<BTreeSet<_>>(),
        properties(s),
        "the example of {name} should show every field"
    );
    if let Err(e) = serde_json::from_value::<T>(example.clone()) {
        panic!(
            "the example of schema {name} is refused by {}: {e}",
            std::any::type_name::<T>()
        );
    }
    let required: Vec<String> = s["required"]
        .as_array()
        .map(|r| r.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default();
    let minimal: serde_json::Map<String, Value> = example
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| required.contains(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Err(e) = serde_json::from_value::<T>(Value::Object(minimal)) {
        panic!(
            "schema {name} marks too few fields required: {} refuses its required fields alone: {e}",
            std::any::type_name::<T>()
        );
    }
}

#[test]
fn request_schemas_mirror_the_service_types() {
    use newledger_service::books::{contacts, documents, journal};
    let doc = document();
    check_mirror::<contacts::ContactInput>(&doc, "ContactInput");
    check_mirror::<documents::DocumentInput>(&doc, "DocumentInput");
    check_mirror::<newledger_domain::document::LineInput>(&doc, "LineInput");
    check_mirror::<journal::JournalInput>(&doc, "JournalInput");
    check_mirror::<journal::JournalLineInput>(&doc, "JournalLineInput");
}

// ------------------------------------------------------------------ routes

/// Every route of the company API in `router.rs` has a documented operation with the same
/// method (`/reports/{name}` is documented per report).
/// Generated clients read the parameters as declared: only the template's names are path
/// parameters, and what the server enforces is declared (limit 1–1000, id patterns, the
/// export formats, a contact's customer/supplier flag).
#[test]
fn parameters_are_where_the_server_reads_them_with_their_rules() {
    let doc = document();
    let mut ids = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap();
                let at = format!("{method} {path} {name}");
                if p["in"] == "path" {
                    assert!(
                        path.contains(&format!("{{{name}}}")),
                        "{at}: not in the path"
                    );
                }
                if name == "limit" {
                    assert_eq!(p["schema"]["minimum"], 1, "{at}");
                    assert_eq!(p["schema"]["maximum"], 1000, "{at}");
                }
                if name == "id" || name.ends_with("_id") {
                    let pattern = p["schema"]["pattern"].as_str();
                    assert!(
                        pattern.is_some_and(|x| x.starts_with('^') && x.contains("_[0-9A-Za-z]")),
                        "{at}: no id pattern"
                    );
                    ids += 1;
                }
            }
        }
    }
    assert!(ids > 30, "{ids} id parameters");
    for (path, names) in [
        (
            "/api/v1/companies/{company_id}/reports/general-ledger",
            &["from", "to", "account_id", "limit", "cursor"][..],
        ),
        (
            "/api/v1/companies/{company_id}/exports/ledger",
            &["format", "from", "to"][..],
        ),
    ] {
        let params = doc["paths"][path]["get"]["parameters"].as_array().unwrap();
        for n in names {
            let p = params.iter().find(|p| p["name"] == *n).unwrap();
            assert_eq!(p["in"], "query", "{path} {n}");
            assert_eq!(p["required"], *n == "format", "{path} {n}");
        }
    }
    let formats = &doc["components"]["schemas"]["ExportFormat"]["enum"];
    assert_eq!(
        formats,
        &serde_json::json!(["hledger", "beancount", "csv", "csv-raw"])
    );
    let contact = schema(&doc, "ContactInput");
    assert_eq!(
        contact["anyOf"],
        serde_json::json!([
            {"required": ["is_customer"], "properties": {"is_customer": {"const": true}}},
            {"required": ["is_supplier"], "properties": {"is_supplier": {"const": true}}}
        ])
    );
}

#[test]
fn every_api_route_is_documented() {
    let doc = document();
    let paths = doc["paths"].as_object().unwrap();
    let src = include_str!("../src/router.rs");
    let start = src.find("let company = Router::new()").unwrap();
    let end = start + src[start..].find(';').unwrap();
    let block = &src[start..end];
    let mut checked = 0;
    for route in block.split(".route(").skip(1) {
        let path = route.split('"').nth(1).unwrap();
        let handlers = &route[route.find(',').unwrap()..];
        let full = format!("/api/v1/companies/{{company_id}}{path}");
        let documented: Vec<&String> = if path == "/reports/{name}" {
            paths
                .keys()
                .filter(|p| p.starts_with("/api/v1/companies/{company_id}/reports/"))
                .collect()
        } else {
            paths.keys().filter(|p| **p == full).collect()
        };
        assert!(
            !documented.is_empty(),
            "route {full} is not in the OpenAPI document: annotate its handler and list it in api/openapi.rs"
        );
        for method in ["get", "post", "put", "delete"] {
            let routed = handlers.contains(&format!("{method}("));
            for p in &documented {
                let has = paths[p.as_str()].get(method).is_some();
                assert_eq!(
                    routed, has,
                    "{method} {p}: routed {routed}, documented {has}"
                );
            }
        }
        checked += 1;
    }
    assert!(
        checked >= 15,
        "router.rs parsing found only {checked} routes"
    );
    assert!(paths["/oauth/token"].get("post").is_some());
}

// ------------------------------------------------------------------ live responses

/// The document routes' literals (which `#[utoipa::path]` needs at expansion time) say what the
/// domain's kind table says: segment, tag and permissions.
#[test]
fn document_routes_follow_the_kind_table() {
    let doc = document();
    for kind in newledger_domain::document::DocumentKind::ALL {
        let i = kind.info();
        let list = &doc["paths"][format!("/api/v1/companies/{{company_id}}/{}", i.segment)];
        let item = &doc["paths"][format!("/api/v1/companies/{{company_id}}/{}/{{id}}", i.segment)];
        for (op, permission) in [
            (&list["get"], i.read),
            (&list["post"], i.draft),
            (&item["get"], i.read),
            (&item["put"], i.draft),
            (&item["delete"], i.draft),
        ] {
            assert_eq!(op["tags"][0], i.plural, "{}", i.segment);
            assert_eq!(
                op["security"][0]["bearer"][0],
                permission.as_str(),
                "{}",
                i.segment
            );
        }
    }
}

fn resolve<'a>(doc: &'a Value, s: &'a Value) -> &'a Value {
    match s.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.strip_prefix("#/components/schemas/").unwrap();
            resolve(doc, schema(doc, name))
        }
        None => s,
    }
}

fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "null" => v.is_null(),
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => false,
    }
}

/// Checks `v` against schema `s` (the subset of JSON Schema utoipa emits); errors name the
/// JSON path.
fn validate(doc: &Value, s: &Value, v: &Value, at: &str) -> Result<(), String> {
    let s = resolve(doc, s);
    for key in ["oneOf", "anyOf"] {
        if let Some(alts) = s.get(key).and_then(Value::as_array) {
            return if alts.iter().any(|a| validate(doc, a, v, at).is_ok()) {
                Ok(())
            } else {
                Err(format!("{at}: {v} matches none of {key}"))
            };
        }
    }
    if let Some(all) = s.get("allOf").and_then(Value::as_array) {
        for a in all {
            validate(doc, a, v, at)?;
        }
    }
    if let Some(t) = s.get("type") {
        let ok = match t {
            Value::String(t) => type_matches(t, v),
            Value::Array(ts) => ts.iter().any(|t| type_matches(t.as_str().unwrap_or(""), v)),
            _ => true,
        };
        if !ok {
            return Err(format!("{at}: {v} is not of type {t}"));
        }
    }
    if s.get("format").and_then(Value::as_str) == Some("date")
        && let Some(d) = v.as_str()
        && d.parse::<chrono::NaiveDate>().is_err()
    {
        return Err(format!("{at}: {d} is not a date"));
    }
    if let Some(o) = v.as_object() {
        let props = s.get("properties").and_then(Value::as_object);
        if let Some(req) = s.get("required").and_then(Value::as_array) {
            for r in req {
                let r = r.as_str().unwrap();
                if !o.contains_key(r) {
                    return Err(format!("{at}: required field `{r}` missing"));
                }
            }
        }
        for (k, val) in o {
            let sub = props
                .and_then(|p| p.get(k))
                .or_else(|| s.get("additionalProperties").filter(|a| a.is_object()));
            match sub {
                Some(sub) => validate(doc, sub, val, &format!("{at}.{k}"))?,
                None => return Err(format!("{at}: field `{k}` is not documented")),
            }
        }
    }
    if let (Some(items), Some(a)) = (s.get("items"), v.as_array()) {
        for (i, val) in a.iter().enumerate() {
            validate(doc, items, val, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

fn response_schema<'a>(doc: &'a Value, path: &str, method: &str, status: &str) -> &'a Value {
    let mut r = &doc["paths"][path][method]["responses"][status];
    if let Some(name) = r["$ref"].as_str() {
        r = &doc["components"]["responses"][name.rsplit('/').next().unwrap()];
    }
    let content = r["content"]
        .as_object()
        .unwrap_or_else(|| panic!("{method} {path} {status}: no content"));
    let (_, c) = content.iter().next().unwrap();
    &c["schema"]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_responses_match_the_documented_schemas() {
    let doc = document();
    let db = TestDb::sqlite().await;
    let app = spawn_app(&db.url).await;
    let info = newledger_service::demo::create(&app.svc).await.unwrap();
    let company = app
        .svc
        .store
        .company(&info.company_id)
        .await
        .unwrap()
        .unwrap();
    let operator = Access {
        actor: Actor::System,
        label: "test".into(),
        company: company.clone(),
        permissions: PermissionSet::all(),
        ip: "test".into(),
    };
    let readable: Vec<String> = newledger_domain::permission::Permission::ALL
        .iter()
        .filter(|p| p.is_delegable())
        .map(|p| p.as_str().to_owned())
        .collect();
    let created = apps::create(
        &app.svc,
        &operator,
        NewApp {
            name: "OpenAPI check".into(),
            purpose: "tests".into(),
            owner_email: Some(info.email.clone()),
            expires_in_days: None,
            permissions: readable,
        },
    )
    .await
    .unwrap();
    let token = app
        .token(created.app.id.as_str(), &created.client_secret)
        .await;
    let base = "/api/v1/companies/{company_id}";

    // The token endpoint's own answer.
    let r = app
        .token_response(created.app.id.as_str(), &created.client_secret, None)
        .await;
    let v: Value = r.json().await.unwrap();
    validate(
        &doc,
        response_schema(&doc, "/oauth/token", "post", "200"),
        &v,
        "token",
    )
    .unwrap();
    let r = app
        .token_response(created.app.id.as_str(), "nlcs_wrong", None)
        .await;
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    validate(
        &doc,
        response_schema(&doc, "/oauth/token", "post", "401"),
        &v,
        "token error",
    )
    .unwrap();

    let mut checked = 0;
    let paths: Vec<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    for path in paths
        .iter()
        .filter(|p| p.starts_with(base) && !p.ends_with("{id}"))
    {
        if doc["paths"][path]["get"].is_null() {
            continue;
        }
        // Streamed files (the ledger export) are not JSON; their own suites check them.
        if doc["paths"][path]["get"]["responses"]["200"]["content"]
            .get("application/json")
            .is_none()
        {
            continue;
        }
        let rel = &path[base.len()..];
        let r = app.api_get(&token, &info.company_id, rel).await;
        assert_eq!(
            r.status(),
            200,
            "GET {rel}: {}",
            r.text().await.unwrap_or_default()
        );
        let v: Value = r.json().await.unwrap();
        validate(&doc, response_schema(&doc, path, "get", "200"), &v, rel)
            .unwrap_or_else(|e| panic!("GET {rel} does not match its schema: {e}"));
        checked += 1;
        // The item behind the first list entry, when the list has an item route.
        let item = format!("{path}/{{id}}");
        if let (Some(id), Some(_)) = (v["data"][0]["id"].as_str(), doc["paths"].get(&item)) {
            let r = app
                .api_get(&token, &info.company_id, &format!("{rel}/{id}"))
                .await;
            assert_eq!(r.status(), 200, "GET {rel}/{id}");
            let v: Value = r.json().await.unwrap();
            validate(
                &doc,
                response_schema(&doc, &item, "get", "200"),
                &v,
                &format!("{rel}/{id}"),
            )
            .unwrap_or_else(|e| panic!("GET {rel}/{{id}} does not match its schema: {e}"));
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} responses checked");

    // Problem details: not found, validation.
    let r = app
        .api_get(
            &token,
            &info.company_id,
            "/invoices/inv_01hzzzzzzzzzzzzzzzzzzzzzzz",
        )
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let v: Value = r.json().await.unwrap();
    validate(
        &doc,
        response_schema(&doc, &format!("{base}/invoices/{{id}}"), "get", "404"),
        &v,
        "404",
    )
    .unwrap();
    let r = app
        .api_get(&token, &info.company_id, "/invoices?limit=0")
        .await;
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.unwrap();
    validate(
        &doc,
        response_schema(&doc, &format!("{base}/invoices"), "get", "422"),
        &v,
        "422",
    )
    .unwrap();
    let r = app.api_get("nlat_bad", &info.company_id, "/invoices").await;
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    validate(
        &doc,
        response_schema(&doc, &format!("{base}/invoices"), "get", "401"),
        &v,
        "401",
    )
    .unwrap();
}
