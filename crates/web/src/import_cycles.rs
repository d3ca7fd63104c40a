//! A test that the crate's modules import each other without cycles (a module that needs
//! another's internals while that one needs it back belongs in one place, or the shared part in a
//! third). It reads the sources: every `crate::…` and `super::…` path, resolved to the module it
//! names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module path (`pages::books`) → source text, comments dropped.
fn modules(dir: &Path, prefix: &[String], out: &mut BTreeMap<Vec<String>, String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if p.is_dir() {
            let mut m = prefix.to_vec();
            m.push(name);
            modules(&p, &m, out);
        } else if let Some(stem) = name.strip_suffix(".rs") {
            let mut m = prefix.to_vec();
            if !matches!(stem, "mod" | "lib") {
                m.push(stem.to_owned());
            }
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            let code: String = text
                .lines()
                .map(|l| l.split("//").next().unwrap_or(""))
                .collect::<Vec<_>>()
                .join("\n");
            out.insert(m, code);
        }
    }
}

fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The module paths a source refers to: `crate::a::b::Item`, `super::x`, `use super::{a, b}`.
fn references(module: &[String], code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    // `super` of `a/b.rs` and of `a/b/mod.rs` alike is `a`.
    let parent = module[..module.len().saturating_sub(1)].to_vec();
    for (root, base) in [("crate::", Vec::new()), ("super::", parent)] {
        for (i, _) in code.match_indices(root) {
            if i > 0 && code[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            let mut path = base.clone();
            let mut rest = &code[i + root.len()..];
            loop {
                if let Some(group) = rest.strip_prefix('{') {
                    let inner = group.split('}').next().unwrap_or("");
                    for item in inner.split(',') {
                        let mut p = path.clone();
                        p.push(ident(item.trim()).to_owned());
                        out.push(p);
                    }
                    break;
                }
                let id = ident(rest);
                if id.is_empty() {
                    break;
                }
                path.push(id.to_owned());
                rest = &rest[id.len()..];
                match rest.strip_prefix("::") {
                    Some(r) => rest = r,
                    None => break,
                }
            }
            out.push(path);
        }
    }
    out
}

#[test]
fn modules_import_each_other_without_cycles() {
    let mut mods = BTreeMap::new();
    modules(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &[],
        &mut mods,
    );
    let names: BTreeSet<Vec<String>> = mods.keys().cloned().collect();
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (m, code) in &mods {
        for r in references(m, code) {
            // The longest prefix that is a module; a module's own parents and children are
            // the tree, not imports.
            let Some(t) = (1..=r.len())
                .rev()
                .map(|n| r[..n].to_vec())
                .find(|p| names.contains(p))
            else {
                continue;
            };
            if t != *m && !m.starts_with(&t) && !t.starts_with(m) {
                edges.entry(m.clone()).or_default().insert(t);
            }
        }
    }
    // Depth-first search for a back edge.
    fn visit(
        m: &Vec<String>,
        edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        stack: &mut Vec<Vec<String>>,
        done: &mut BTreeSet<Vec<String>>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|s| s == m) {
            let mut cycle: Vec<String> = stack[at..].iter().map(|p| p.join("::")).collect();
            cycle.push(m.join("::"));
            return Some(cycle);
        }
        if !done.insert(m.clone()) {
            return None;
        }
        stack.push(m.clone());
        for t in edges.get(m).into_iter().flatten() {
            if let Some(c) = visit(t, edges, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        None
    }
    let mut done = BTreeSet::new();
    for m in &names {
        if let Some(cycle) = visit(m, &edges, &mut Vec::new(), &mut done) {
            panic!("import cycle: {}", cycle.join(" → "));
        }
    }
    // The test reads what it should: `pages::documents::actions` uses `pages::view`.
    assert!(
        edges[&vec![
            "pages".to_owned(),
            "documents".to_owned(),
            "actions".to_owned()
        ]]
            .contains(&vec!["pages".to_owned(), "view".to_owned()])
    );
}
