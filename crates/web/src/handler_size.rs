//! A test that the HTTP surfaces stay thin: every `async fn` under `pages/`, `oauth/` and `api/`
//! of this crate, and under the MCP crate's sources, is at most [`MAX_LINES`] lines long,
//! signature included. A handler parses, calls the service and renders; a longer one is doing a
//! rule's work (which belongs to the service or the domain) or shaping that belongs in a small
//! helper beside it. It reads the sources, which are `rustfmt`ed: a function ends at the first
//! line that is its own indentation followed by `}`.

use std::path::{Path, PathBuf};

/// The longest an `async fn` of a surface may be, in lines.
const MAX_LINES: usize = 30;

/// The folders scanned, relative to this crate.
const ROOTS: [&str; 4] = ["src/pages", "src/oauth", "src/api", "../mcp/src"];

/// An `async fn` and its length in lines.
#[derive(Debug, PartialEq)]
struct Measured {
    line: usize,
    name: String,
    lines: usize,
}

/// The name of the `async fn` a line declares, with the line's indentation.
fn declared(line: &str) -> Option<(&str, &str)> {
    let code = line.trim_start();
    let indent = &line[..line.len() - code.len()];
    let mut rest = code;
    if let Some(r) = rest.strip_prefix("pub") {
        rest = match r.strip_prefix('(') {
            Some(r) => r.split_once(')')?.1,
            None => r,
        }
        .trim_start();
    }
    let rest = rest.strip_prefix("async fn ")?;
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    Some((indent, &rest[..end]))
}

/// Every `async fn` with a body in a source file, test modules left out.
fn measure(text: &str) -> Vec<Measured> {
    let lines: Vec<&str> = text.lines().collect();
    // Tests at the bottom of a file (`#[cfg(test)] mod tests`) are not surfaces.
    let end = lines
        .iter()
        .position(|l| l.starts_with("#[cfg(test)]"))
        .unwrap_or(lines.len());
    let mut out = Vec::new();
    for (i, line) in lines[..end].iter().enumerate() {
        let Some((indent, name)) = declared(line) else {
            continue;
        };
        // The signature ends at `{` (a body) or `;` (a trait's declaration, no body).
        let Some(open) = (i..end).find(|&j| {
            let t = lines[j].trim_end();
            t.ends_with('{') || t.ends_with(';') || t.ends_with('}')
        }) else {
            continue;
        };
        let t = lines[open].trim_end();
        let close = if t.ends_with(';') {
            continue;
        } else if t.ends_with('}') {
            open
        } else {
            let closing = format!("{indent}}}");
            (open + 1..end)
                .find(|&j| lines[j].trim_end() == closing)
                .unwrap_or(end - 1)
        };
        out.push(Measured {
            line: i + 1,
            name: name.to_owned(),
            lines: close - i + 1,
        });
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn surface_async_fns_are_at_most_30_lines() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = here.join("../..").canonicalize().unwrap_or_default();
    let mut files = Vec::new();
    for root in ROOTS {
        rust_files(
            &here.join(root).canonicalize().unwrap_or_default(),
            &mut files,
        );
    }
    files.sort();
    let mut seen = 0;
    let mut long = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        for m in measure(&text) {
            seen += 1;
            if m.lines > MAX_LINES {
                let shown = f
                    .strip_prefix(&workspace)
                    .unwrap_or(f)
                    .display()
                    .to_string();
                long.push(format!(
                    "{shown}:{} `{}` is {} lines",
                    m.line, m.name, m.lines
                ));
            }
        }
    }
    // The test reads what it should: the folders exist and hold the handlers.
    assert!(
        seen > 100,
        "only {seen} async fns found under {ROOTS:?}: has a folder moved?"
    );
    assert!(
        long.is_empty(),
        "async fns over {MAX_LINES} lines (signature included) in the HTTP surfaces; keep the \
         handler to parse, call the service, render, and move the rest to the service, the \
         domain or a helper beside it:\n{}",
        long.join("\n")
    );
}

#[test]
fn measures_from_signature_to_closing_brace() {
    let src = "\
/// doc
pub async fn short(x: u8) -> u8 {
    x
}

impl T {
    pub(crate) async fn nested(
        &self,
    ) -> Result<(), E>
    where
        E: Sized,
    {
        let s = \"}\";
        Ok(())
    }
    async fn declared(&self);
    async fn one_line(&self) {}
}

#[cfg(test)]
mod tests {
    async fn not_measured() {
    }
}
";
    let m = measure(src);
    let got: Vec<(&str, usize, usize)> = m
        .iter()
        .map(|m| (m.name.as_str(), m.line, m.lines))
        .collect();
    assert_eq!(
        got,
        vec![("short", 2, 3), ("nested", 7, 9), ("one_line", 17, 1)]
    );
}
