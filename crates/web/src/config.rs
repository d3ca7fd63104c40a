//! Settings of the HTTP layer (shared by the state and the rate limiters it builds).

/// Settings of the HTTP layer.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// Public origin, e.g. `https://books.example.com` (no trailing slash).
    pub base_url: String,
    /// Set the `Secure` flag on cookies (true unless the base URL is plain http).
    pub secure_cookies: bool,
    /// Token endpoint requests per minute per client id.
    pub token_rate_per_client: u32,
    /// Token endpoint requests per minute per client address.
    pub token_rate_per_ip: u32,
    /// API requests per minute per app.
    pub api_rate_per_app: u32,
    /// Sign-in attempts per minute per address.
    pub signin_rate_per_ip: u32,
    /// Largest request body accepted, in bytes (default 1 MiB).
    pub body_limit: usize,
    /// Time a handler has to produce its response head (default 30 s).
    pub request_timeout: std::time::Duration,
    /// Dynamic client registrations per minute per address.
    pub register_rate_per_ip: u32,
    /// "Forgot password" requests per minute per address (each account also gets at most
    /// three links an hour, counted in the database).
    pub forgot_rate_per_ip: u32,
    /// Open MCP sessions per principal (connection or app).
    pub mcp_sessions_per_principal: usize,
    /// An MCP session unused for this long ends.
    pub mcp_session_idle: std::time::Duration,
}

impl WebConfig {
    /// Defaults for a base URL.
    pub fn new(base_url: &str) -> Self {
        let base_url = base_url.trim_end_matches('/').to_owned();
        Self {
            secure_cookies: base_url.starts_with("https://"),
            base_url,
            token_rate_per_client: 600,
            token_rate_per_ip: 1200,
            api_rate_per_app: 3000,
            signin_rate_per_ip: 30,
            body_limit: 1 << 20,
            request_timeout: std::time::Duration::from_secs(30),
            register_rate_per_ip: 10,
            forgot_rate_per_ip: 5,
            mcp_sessions_per_principal: 8,
            mcp_session_idle: std::time::Duration::from_secs(600),
        }
    }
}
