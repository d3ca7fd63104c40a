//! Rules the server enforces, declared in the OpenAPI document so that generated clients and
//! schema-driven testers know them: each id parameter's prefix and alphabet (as
//! [`newledger_domain::ids`] parses them) and the contact's "customer, supplier or both".
//! Per-field limits (`limit` 1–1000, formats) sit on the parameter structs themselves.

use utoipa::Modify;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::{RefOr, path::Parameter};

/// The JSON Schema pattern of an id with this prefix (`cmp_`): see `ids::parse`.
pub fn id_pattern(prefix: &str) -> String {
    format!("^{prefix}[0-9A-Za-z]{{1,40}}$")
}

/// Query and path parameters named after the id they hold.
const NAMED_IDS: [(&str, &str); 3] = [
    ("company_id", "cmp_"),
    ("contact_id", "ctc_"),
    ("account_id", "acc_"),
];

/// Prefixes a path `id` may have, read from its description (`Invoice id (`inv_…`)`).
fn described_prefix(description: &str) -> Option<&str> {
    let start = description.find("(`")? + 2;
    let rest = &description[start..];
    let end = rest.find('…')?;
    Some(&rest[..end])
}

fn set_pattern(p: &mut Parameter) {
    let prefix = NAMED_IDS
        .iter()
        .find(|(name, _)| *name == p.name)
        .map(|(_, prefix)| *prefix)
        .or_else(|| {
            (p.name == "id")
                .then(|| p.description.as_deref().and_then(described_prefix))
                .flatten()
        });
    if let (Some(prefix), Some(RefOr::T(Schema::Object(o)))) = (prefix, p.schema.as_mut()) {
        o.pattern = Some(id_pattern(prefix));
    }
}

/// Adds the id patterns and the contact's one-of rule.
pub struct EnforcedRules;

impl Modify for EnforcedRules {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        for item in doc.paths.paths.values_mut() {
            let ops = [
                item.get.as_mut(),
                item.put.as_mut(),
                item.post.as_mut(),
                item.delete.as_mut(),
            ];
            for op in ops.into_iter().flatten() {
                for p in op.parameters.iter_mut().flatten() {
                    set_pattern(p);
                }
            }
        }
        let Some(c) = doc.components.as_mut() else {
            return;
        };
        // A contact is a customer, a supplier or both: at least one flag is `true`. utoipa has
        // no `anyOf` beside `properties`, so the keyword rides in the object's flattened map.
        if let Some(RefOr::T(Schema::Object(contact))) = c.schemas.get_mut("ContactInput") {
            let flag = |name: &str| serde_json::json!({"required": [name], "properties": {name: {"const": true}}});
            contact
                .extensions
                .get_or_insert_with(Default::default)
                .insert(
                    "anyOf".into(),
                    serde_json::json!([flag("is_customer"), flag("is_supplier")]),
                );
        }
    }
}
