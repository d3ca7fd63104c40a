//! `newledger serve`: the server.

use crate::config::Common;
use anyhow::Context;
use newledger_service::{Settings, demo};
use newledger_web::{AppState, WebConfig};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

/// Server options.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Listen address (default 127.0.0.1:8080).
    #[arg(long, env = "NEWLEDGER_LISTEN")]
    pub listen: Option<String>,
    /// Public base URL used in metadata, audiences and links (default: the listen address,
    /// with 127.0.0.1 for an unspecified one).
    #[arg(long, env = "NEWLEDGER_BASE_URL")]
    pub base_url: Option<String>,
    /// Create demo data if the database has no company yet, and print how to sign in.
    #[arg(long)]
    pub demo: bool,
    /// Access token lifetime in seconds (default 900).
    #[arg(long, env = "NEWLEDGER_ACCESS_TOKEN_TTL")]
    pub access_token_ttl: Option<u64>,
    /// Token endpoint requests per minute per client (default 600).
    #[arg(long, env = "NEWLEDGER_TOKEN_RATE_PER_CLIENT")]
    pub token_rate_per_client: Option<u32>,
    /// Token endpoint requests per minute per address (default 1200).
    #[arg(long, env = "NEWLEDGER_TOKEN_RATE_PER_IP")]
    pub token_rate_per_ip: Option<u32>,
    /// API requests per minute per app (default 3000).
    #[arg(long, env = "NEWLEDGER_API_RATE_PER_APP")]
    pub api_rate_per_app: Option<u32>,
    /// Seconds a handler has to start its answer (default 30; 1–600).
    #[arg(long, env = "NEWLEDGER_REQUEST_TIMEOUT")]
    pub request_timeout_secs: Option<u64>,
    /// Largest request body in bytes (default 1048576; 1024–67108864).
    #[arg(long, env = "NEWLEDGER_BODY_LIMIT")]
    pub body_limit: Option<usize>,
    /// Open MCP sessions (2025-11-25 era) per OAuth connection or app; one more ends the least
    /// recently used (default 8; 1–1000).
    #[arg(long, env = "NEWLEDGER_MCP_SESSIONS_PER_CONNECTION")]
    pub mcp_sessions_per_connection: Option<usize>,
    /// Seconds an MCP session may stay unused before it ends (default 600; 10–86400).
    #[arg(long, env = "NEWLEDGER_MCP_SESSION_IDLE")]
    pub mcp_session_idle_secs: Option<u64>,
    /// Seconds in-flight requests get to finish after SIGTERM/SIGINT before the process exits
    /// (default 10; 0–600).
    #[arg(long, env = "NEWLEDGER_SHUTDOWN_GRACE")]
    pub shutdown_grace_secs: Option<u64>,
    /// DEVELOPMENT ONLY: fetch OAuth client ID metadata documents from loopback, private and
    /// link-local addresses, and over plain http, so that a client on this machine can serve
    /// its document. Never on a server reachable by others (it lets anyone make the server
    /// request its own network).
    #[arg(
        long,
        env = "NEWLEDGER_OAUTH_ALLOW_PRIVATE_CLIENT_METADATA",
        value_parser = clap::builder::BoolishValueParser::new(),
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    pub oauth_allow_private_client_metadata: Option<bool>,
    /// Seconds an `Idempotency-Key` claim whose write never stored its response counts as still
    /// running; the first retry after it runs the write (default 60; 1–3600). Only a process that
    /// died mid-write leaves such a claim: keep it above the longest write.
    #[arg(long, env = "NEWLEDGER_IDEMPOTENCY_LEASE")]
    pub idempotency_lease_secs: Option<u64>,
    /// SMTP server for invitations and password reset links: smtp://host:25,
    /// smtp://user:password@host:587?tls=required (STARTTLS) or smtps://user:password@host:465.
    /// Without it mail is off: invitation links are shown to the inviter to pass on.
    #[arg(long, env = "NEWLEDGER_SMTP_URL")]
    pub smtp_url: Option<crate::config::Redacted>,
    /// From address of the mail sent (default `NewLedger <no-reply@HOST>`, HOST from the
    /// public URL).
    #[arg(long, env = "NEWLEDGER_MAIL_FROM")]
    pub mail_from: Option<String>,
}

/// Runs the server until SIGINT or SIGTERM.
pub async fn run(common: &Common, args: ServeArgs) -> anyhow::Result<()> {
    let file = common.file()?;
    let listen = args
        .listen
        .or(file.listen.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    // Bound first, so that the default public URL names the port really listened on.
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let base_url = match args.base_url.or(file.base_url.clone()) {
        Some(b) => b,
        None => {
            let b = default_base_url(listener.local_addr()?);
            out!(
                "No --base-url given: using {b} (from the listen address) as the public URL. Set --base-url or NEWLEDGER_BASE_URL when people reach this server under another name."
            );
            b
        }
    };
    url::Url::parse(&base_url).with_context(|| format!("--base-url {base_url} is not a URL"))?;
    let base_url = base_url.trim_end_matches('/').to_owned();
    let settings = Settings {
        base_url: base_url.clone(),
        access_token_ttl: Duration::from_secs(
            args.access_token_ttl
                .or(file.access_token_ttl_secs)
                .unwrap_or(900)
                .clamp(60, 86_400),
        ),
        allow_private_client_metadata: args
            .oauth_allow_private_client_metadata
            .or(file.oauth_allow_private_client_metadata)
            .unwrap_or(false),
        idempotency_lease: Duration::from_secs(
            args.idempotency_lease_secs
                .or(file.idempotency_lease_secs)
                .unwrap_or(60)
                .clamp(1, 3600),
        ),
        ..Settings::default()
    };
    if settings.allow_private_client_metadata {
        tracing::warn!(
            "OAuth client ID metadata documents may be fetched from private and loopback addresses and over http (development mode)"
        );
        out!(
            "WARNING: --oauth-allow-private-client-metadata is on: for development only, never on a server others can reach."
        );
    }
    let (svc, store) = super::open(common, &file, settings).await?;
    let svc = svc.with_mailer(mailer(
        args.smtp_url.or(file.smtp_url.clone()),
        args.mail_from.or(file.mail_from.clone()),
        &base_url,
    )?);
    if args.demo {
        let info = if svc.store.all_companies().await?.is_empty() {
            tracing::info!("creating demo data (about a minute on first start)");
            demo::create(&svc).await?
        } else {
            demo::existing(&svc).await?
        };
        super::demo::print_sign_in(&info, Some(&base_url));
    }
    let mut web = WebConfig::new(&base_url);
    web.token_rate_per_client = args
        .token_rate_per_client
        .or(file.token_rate_per_client)
        .unwrap_or(web.token_rate_per_client);
    web.token_rate_per_ip = args
        .token_rate_per_ip
        .or(file.token_rate_per_ip)
        .unwrap_or(web.token_rate_per_ip);
    web.api_rate_per_app = args
        .api_rate_per_app
        .or(file.api_rate_per_app)
        .unwrap_or(web.api_rate_per_app);
    web.request_timeout = Duration::from_secs(
        args.request_timeout_secs
            .or(file.request_timeout_secs)
            .unwrap_or(30)
            .clamp(1, 600),
    );
    web.body_limit = args
        .body_limit
        .or(file.body_limit)
        .unwrap_or(web.body_limit)
        .clamp(1024, 64 << 20);
    web.mcp_sessions_per_principal = args
        .mcp_sessions_per_connection
        .or(file.mcp_sessions_per_connection)
        .unwrap_or(web.mcp_sessions_per_principal)
        .clamp(1, 1000);
    web.mcp_session_idle = Duration::from_secs(
        args.mcp_session_idle_secs
            .or(file.mcp_session_idle_secs)
            .unwrap_or(web.mcp_session_idle.as_secs())
            .clamp(10, 86_400),
    );
    let grace = Duration::from_secs(
        args.shutdown_grace_secs
            .or(file.shutdown_grace_secs)
            .unwrap_or(10)
            .min(600),
    );
    let state = AppState::new(svc, web);
    use newledger_store::Store;
    let pg_url =
        (store.backend() == newledger_store::Backend::Postgres).then(|| store.url().to_owned());
    newledger_web::background::spawn(&state, pg_url);
    tracing::info!(address = %listener.local_addr()?, base_url = %base_url, "serving");
    out!(
        "NewLedger is serving on http://{} (public URL {base_url})",
        listener.local_addr()?
    );
    match newledger_web::serve(state, listener, shutdown(), grace).await? {
        newledger_web::Stopped::Drained => {
            tracing::info!("stopped");
            Ok(())
        }
        newledger_web::Stopped::DeadlinePassed => {
            // Abandoned requests may still occupy runtime threads; leaving through the runtime's
            // own shutdown would wait for them.
            tracing::info!("stopped with requests abandoned");
            std::process::exit(0)
        }
    }
}

/// The mail component: SMTP when a URL is set, else off (said in the log and on the console).
fn mailer(
    url: Option<crate::config::Redacted>,
    from: Option<String>,
    base_url: &str,
) -> anyhow::Result<newledger_service::mail::Mailer> {
    use newledger_service::mail::{Mailer, default_from};
    let Some(url) = url else {
        tracing::warn!(
            "mail is off (no NEWLEDGER_SMTP_URL): invitation links are shown to the inviter, password reset links are not sent"
        );
        out!(
            "Mail is off (set NEWLEDGER_SMTP_URL to send invitations and password reset links): invitation links are shown to the person who invites."
        );
        return Ok(Mailer::off());
    };
    let from = from.unwrap_or_else(|| default_from(base_url));
    let m = Mailer::smtp(&url.0, &from).map_err(|e| anyhow::anyhow!("{e}"))?;
    tracing::info!(smtp = %newledger_store::redact_url(&url.0), from = %from, "mail is on");
    Ok(m)
}

/// The public URL of a server reached at its listen address: `http://` + the address, with the
/// loopback address for an unspecified one (`0.0.0.0`, `::`), which no browser can open.
pub fn default_base_url(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}

#[cfg(test)]
mod tests {
    use super::default_base_url;

    #[test]
    fn the_default_public_url_follows_the_listen_address() {
        let u = |a: &str| default_base_url(a.parse().unwrap_or_else(|_| unreachable!()));
        assert_eq!(u("127.0.0.1:9000"), "http://127.0.0.1:9000");
        assert_eq!(u("0.0.0.0:8081"), "http://127.0.0.1:8081");
        assert_eq!(u("192.168.1.5:80"), "http://192.168.1.5:80");
        assert_eq!(u("[::]:8080"), "http://[::1]:8080");
    }
}
