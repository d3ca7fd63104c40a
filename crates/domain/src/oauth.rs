//! The rules of OAuth 2.0 delegated access that need no IO: which redirect URIs may be
//! registered and which requested URI matches a registered one (exact match; any port for
//! loopback IP literals, RFC 8252 §7.3), the resources a token may be for (RFC 8707), the
//! shape of PKCE values (RFC 7636) and the default scope.

use crate::ids::CompanyId;
use crate::permission::Permission;
use crate::permission::{PermissionKind, PermissionSet};
use serde::{Deserialize, Serialize};

/// Longest redirect URI accepted (registration and request).
pub const MAX_REDIRECT_URI_LEN: usize = 2000;
/// Most redirect URIs per client.
pub const MAX_REDIRECT_URIS: usize = 10;

/// Which surfaces of one company a connection (and its tokens) may call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Surfaces {
    /// The REST API, `{base}/api/v1/companies/{company_id}`.
    Api,
    /// The MCP server, `{base}/mcp/{company_id}`.
    Mcp,
    /// Both (the client named no resource).
    Both,
}

impl Surfaces {
    /// Stored / wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Surfaces::Api => "api",
            Surfaces::Mcp => "mcp",
            Surfaces::Both => "both",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "api" => Some(Surfaces::Api),
            "mcp" => Some(Surfaces::Mcp),
            "both" => Some(Surfaces::Both),
            _ => None,
        }
    }

    /// True when `self` includes every surface of `other`.
    pub fn covers(self, other: Surfaces) -> bool {
        self == Surfaces::Both || self == other
    }

    /// The union of two sets of surfaces.
    pub fn union(self, other: Surfaces) -> Surfaces {
        if self == other { self } else { Surfaces::Both }
    }

    /// The resource URLs (RFC 8707) of these surfaces for a company.
    pub fn resources(self, base_url: &str, company: &CompanyId) -> Vec<String> {
        let api = format!("{base_url}/api/v1/companies/{company}");
        let mcp = format!("{base_url}/mcp/{company}");
        match self {
            Surfaces::Api => vec![api],
            Surfaces::Mcp => vec![mcp],
            Surfaces::Both => vec![api, mcp],
        }
    }
}

/// Reads an RFC 8707 `resource` value: one of our resources, exactly as we spell them.
pub fn parse_resource(base_url: &str, value: &str) -> Option<(CompanyId, Surfaces)> {
    let rest = value.strip_prefix(base_url)?;
    let (surface, id) = if let Some(id) = rest.strip_prefix("/api/v1/companies/") {
        (Surfaces::Api, id)
    } else if let Some(id) = rest.strip_prefix("/mcp/") {
        (Surfaces::Mcp, id)
    } else {
        return None;
    };
    CompanyId::parse(id).ok().map(|c| (c, surface))
}

/// Why a redirect URI cannot be registered.
pub fn check_redirect_uri(uri: &str) -> Result<(), String> {
    if uri.len() > MAX_REDIRECT_URI_LEN {
        return Err(format!(
            "a redirect URI may have at most {MAX_REDIRECT_URI_LEN} characters"
        ));
    }
    let u = url::Url::parse(uri).map_err(|_| format!("`{}` is not an absolute URL", clip(uri)))?;
    if u.fragment().is_some() || uri.contains('#') {
        return Err("a redirect URI must not have a fragment (#…)".into());
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err("a redirect URI must not carry a user name or password".into());
    }
    match u.scheme() {
        "https" if u.host_str().is_some_and(|h| !h.is_empty()) => Ok(()),
        "http" if is_loopback_host(&u) => Ok(()),
        "http" => Err(
            "plain http is allowed only on a loopback address (127.0.0.1, [::1] or localhost); use https"
                .into(),
        ),
        other => Err(format!(
            "redirect URIs use https (or http on a loopback address), not `{}`",
            clip(other)
        )),
    }
}

fn is_loopback_host(u: &url::Url) -> bool {
    match u.host() {
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    }
}

fn is_loopback_ip_literal(u: &url::Url) -> bool {
    match u.host() {
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        _ => false,
    }
}

/// True when a redirect URI points at the person's own machine (a native or CLI client).
pub fn is_loopback_redirect(uri: &str) -> bool {
    url::Url::parse(uri).is_ok_and(|u| u.scheme() == "http" && is_loopback_host(&u))
}

/// True when `requested` is `registered`: the exact same string, or — for `http` on a loopback
/// IP literal only — the same URI on another port (RFC 8252 §7.3: native apps take any free
/// port). Nothing is normalised: a trailing slash, another case or port, a path, user info or a
/// fragment make it another URI.
pub fn redirect_uri_matches(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return true;
    }
    let (Ok(r), Ok(q)) = (url::Url::parse(registered), url::Url::parse(requested)) else {
        return false;
    };
    if r.scheme() != "http" || q.scheme() != "http" {
        return false;
    }
    if !is_loopback_ip_literal(&r) || r.host() != q.host() {
        return false;
    }
    if requested.contains('#') || !q.username().is_empty() || q.password().is_some() {
        return false;
    }
    // Only the port may differ, and the requested URI must already be in canonical form (so
    // that no normalisation — case, dot segments, default ports — can make two strings equal).
    if requested != q.as_str() {
        return false;
    }
    let (mut r, mut q) = (r, q);
    if r.set_port(None).is_err() || q.set_port(None).is_err() {
        return false;
    }
    r.as_str() == q.as_str()
}

/// True for a PKCE `code_challenge` or `code_verifier`: 43–128 unreserved characters.
pub fn is_pkce_value(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// What a client that names no scope asks for: every read permission.
pub fn default_scope() -> PermissionSet {
    Permission::ALL
        .iter()
        .copied()
        .filter(|p| p.kind() == PermissionKind::Read)
        .collect()
}

/// A requested scope split into what may be delegated and what never can be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestedScope {
    /// Delegable permissions asked for.
    pub delegable: PermissionSet,
    /// People-only permissions asked for (named on the consent page, never granted).
    pub refused: PermissionSet,
}

/// Parses a requested `scope`: space-separated permissions; empty means [`default_scope`].
/// `offline_access` is accepted and ignored (refresh tokens are always issued). Unknown values
/// are an error naming them.
pub fn parse_requested_scope(scope: Option<&str>) -> Result<RequestedScope, String> {
    let mut all = PermissionSet::EMPTY;
    let mut any = false;
    for v in scope.unwrap_or("").split_ascii_whitespace() {
        any = true;
        if v == "offline_access" {
            continue;
        }
        match Permission::parse(v) {
            Ok(p) => all.insert(p),
            Err(_) => return Err(format!("unknown scope `{}`", clip(v))),
        }
    }
    if !any {
        all = default_scope();
    }
    Ok(RequestedScope {
        delegable: all.intersect(PermissionSet::delegable()),
        refused: all.difference(PermissionSet::delegable()),
    })
}

/// Longest client identifier URL (a client ID metadata document's address).
pub const MAX_CLIENT_ID_URL_LEN: usize = 2000;

/// True when a `client_id` names a client ID metadata document (an `https://` URL, or `http://`
/// which only the development mode accepts) rather than a registered `oac_…` client.
pub fn is_client_id_url(client_id: &str) -> bool {
    client_id.starts_with("https://") || client_id.starts_with("http://")
}

/// Checks a client identifier URL (draft-ietf-oauth-client-id-metadata-document §3): https, a
/// host, a path other than `/`, no user info, fragment, query or dot segments, and already in
/// the canonical form a URL parser gives it (so that the string compared with the document's
/// `client_id` is exactly the one fetched). `allow_http` is the development mode's.
pub fn check_client_id_url(client_id: &str, allow_http: bool) -> Result<url::Url, String> {
    if client_id.len() > MAX_CLIENT_ID_URL_LEN {
        return Err(format!(
            "a client_id URL may have at most {MAX_CLIENT_ID_URL_LEN} characters"
        ));
    }
    let u = url::Url::parse(client_id)
        .map_err(|_| format!("`{}` is not an absolute URL", clip(client_id)))?;
    match u.scheme() {
        "https" => {}
        "http" if allow_http => {}
        _ => return Err("a client_id URL must use https".into()),
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err("a client_id URL must name a host".into());
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err("a client_id URL must not carry a user name or password".into());
    }
    if client_id.contains('#') {
        return Err("a client_id URL must not have a fragment (#…)".into());
    }
    if u.query().is_some() {
        return Err("a client_id URL must not have a query (?…)".into());
    }
    if u.path() == "/" || u.path().is_empty() {
        return Err("a client_id URL must have a path (not just /)".into());
    }
    let raw_path = client_id
        .splitn(4, '/')
        .nth(3)
        .unwrap_or_default()
        .to_ascii_lowercase();
    if raw_path
        .split('/')
        .any(|seg| matches!(seg, "." | ".." | "%2e" | "%2e%2e" | ".%2e" | "%2e."))
    {
        return Err("a client_id URL must not have . or .. path segments".into());
    }
    if u.as_str() != client_id {
        return Err(format!(
            "a client_id URL must be in canonical form (`{}`)",
            clip(u.as_str())
        ));
    }
    Ok(u)
}

/// True for an address a server may fetch a client's document from: none of the special-use
/// ranges of RFC 6890 and its successors (loopback, private, shared CGN, link-local,
/// documentation, benchmarking, multicast, reserved, unspecified; IPv4-mapped and NAT64 IPv6
/// addresses are judged by the IPv4 address they carry).
pub fn is_public_address(ip: std::net::IpAddr) -> bool {
    use std::net::{IpAddr, Ipv4Addr};
    fn v4(a: Ipv4Addr) -> bool {
        let [b0, b1, b2, _] = a.octets();
        !(a.is_unspecified()
            || a.is_loopback()
            || a.is_private()
            || a.is_link_local()
            || a.is_broadcast()
            || a.is_documentation()
            || a.is_multicast()
            || b0 == 0
            || (b0 == 100 && (64..128).contains(&b1))
            || (b0 == 192 && b1 == 0 && b2 == 0)
            || (b0 == 192 && b1 == 88 && b2 == 99)
            || (b0 == 198 && (b1 == 18 || b1 == 19))
            || b0 >= 240)
    }
    match ip {
        IpAddr::V4(a) => v4(a),
        IpAddr::V6(a) => {
            if let Some(m) = a.to_ipv4_mapped() {
                return v4(m);
            }
            let s = a.segments();
            if s[0] == 0x64 && s[1] == 0xff9b {
                let [_, _, _, _, _, _, hi, lo] = s;
                return v4(Ipv4Addr::from(((hi as u32) << 16) | lo as u32));
            }
            !(a.is_unspecified()
                || a.is_loopback()
                || a.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] & 0xffc0) == 0xfec0
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                || (s[0] == 0x2001 && s[1] < 0x0200)
                || s[0] == 0x2002
                || (s[0] == 0x0100 && s[1] == 0 && s[2] == 0 && s[3] == 0)
                || s[..6] == [0, 0, 0, 0, 0, 0])
        }
    }
}

/// At most 60 characters of a value a caller sent, for messages that echo it.
pub fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if s.chars().count() > 60 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_rules() {
        assert!(check_redirect_uri("https://app.example.com/cb").is_ok());
        assert!(check_redirect_uri("http://127.0.0.1:3000/cb").is_ok());
        assert!(check_redirect_uri("http://[::1]/cb").is_ok());
        assert!(check_redirect_uri("http://localhost:8000/cb").is_ok());
        assert!(check_redirect_uri("http://app.example.com/cb").is_err());
        assert!(check_redirect_uri("https://app.example.com/cb#x").is_err());
        assert!(check_redirect_uri("https://u:p@app.example.com/cb").is_err());
        assert!(check_redirect_uri("javascript:alert(1)").is_err());
        assert!(check_redirect_uri("com.example.app:/cb").is_err());
        assert!(check_redirect_uri("/cb").is_err());
    }

    #[test]
    fn exact_match_except_loopback_port() {
        let reg = "https://app.example.com/cb";
        assert!(redirect_uri_matches(reg, reg));
        for bad in [
            "https://app.example.com/cb/",
            "https://app.example.com:8443/cb",
            "https://app.example.com/cb/more",
            "https://APP.example.com/cb",
            "https://app.example.com/CB",
            "https://user@app.example.com/cb",
            "https://app.example.com/cb#frag",
            "https://app.example.com/cb?x=1",
            "http://app.example.com/cb",
        ] {
            assert!(!redirect_uri_matches(reg, bad), "{bad}");
        }
        let lo = "http://127.0.0.1/callback";
        assert!(redirect_uri_matches(lo, "http://127.0.0.1:51234/callback"));
        assert!(redirect_uri_matches(
            "http://127.0.0.1:80/callback",
            "http://127.0.0.1:5/callback"
        ));
        assert!(redirect_uri_matches(
            "http://[::1]:1/cb",
            "http://[::1]:2/cb"
        ));
        assert!(!redirect_uri_matches(
            lo,
            "http://127.0.0.1:51234/callback/"
        ));
        assert!(!redirect_uri_matches(lo, "http://127.0.0.2:51234/callback"));
        assert!(!redirect_uri_matches(lo, "http://u@127.0.0.1:5/callback"));
        // A name is not an IP literal: exact match only.
        assert!(!redirect_uri_matches(
            "http://localhost/cb",
            "http://localhost:5/cb"
        ));
    }

    #[test]
    fn resources() {
        let base = "https://books.example.com";
        let c = "cmp_01abc";
        assert_eq!(
            parse_resource(base, &format!("{base}/mcp/{c}")).map(|x| x.1),
            Some(Surfaces::Mcp)
        );
        assert_eq!(
            parse_resource(base, &format!("{base}/api/v1/companies/{c}")).map(|x| x.1),
            Some(Surfaces::Api)
        );
        assert!(parse_resource(base, &format!("https://evil.example/mcp/{c}")).is_none());
        assert!(parse_resource(base, &format!("{base}/mcp/{c}/")).is_none());
        assert!(parse_resource(base, &format!("{base}.evil.example/mcp/{c}")).is_none());
    }

    #[test]
    fn scopes() {
        let s = parse_requested_scope(Some("invoices:read journal:post offline_access")).unwrap();
        assert_eq!(s.delegable.to_scope_string(), "invoices:read");
        assert_eq!(s.refused.to_scope_string(), "journal:post");
        assert_eq!(
            parse_requested_scope(None).unwrap().delegable,
            default_scope()
        );
        assert!(parse_requested_scope(Some("nope")).is_err());
        assert!(is_pkce_value(&"a".repeat(43)));
        assert!(!is_pkce_value(&"a".repeat(42)));
        assert!(!is_pkce_value(&format!("{}+", "a".repeat(43))));
    }
    #[test]
    fn client_id_urls() {
        let ok = |u: &str| check_client_id_url(u, false).is_ok();
        assert!(ok("https://app.example.com/oauth/client.json"));
        assert!(ok("https://app.example.com:8443/c"));
        assert!(!ok("http://app.example.com/c"));
        assert!(check_client_id_url("http://127.0.0.1:9/c", true).is_ok());
        assert!(!ok("https://app.example.com/"));
        assert!(!ok("https://app.example.com"));
        assert!(!ok("https://u:p@app.example.com/c"));
        assert!(!ok("https://app.example.com/c#x"));
        assert!(!ok("https://app.example.com/c?x=1"));
        assert!(!ok("https://app.example.com/a/../c"));
        assert!(!ok("https://app.example.com/a/%2E%2E/c"));
        assert!(!ok("https://APP.example.com/c"), "not canonical");
        assert!(!ok("https://app.example.com:443/c"), "not canonical");
        assert!(!ok("ftp://app.example.com/c"));
        assert!(is_client_id_url("https://x/y") && !is_client_id_url("oac_01h"));
    }

    #[test]
    fn public_addresses() {
        let p = |s: &str| is_public_address(s.parse().unwrap());
        for public in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(p(public), "{public}");
        }
        for special in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.1",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "::127.0.0.1",
        ] {
            assert!(!p(special), "{special}");
        }
    }
}
