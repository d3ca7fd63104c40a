//! `newledger`: the one binary. `serve` runs the server; `migrate`, `demo`, `user`, `company`,
//! `app` and `export` are operators' and developers' tasks.

/// Prints a line to standard output. A reader that went away (`newledger export … | head`)
/// ends the program quietly instead of a panic about a broken pipe.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout(), $($t)*) {
            $crate::stdout_failed(&e);
        }
    }};
}

mod commands;
mod config;

/// Ends the program after a failed write to standard output: quietly (success) when the
/// reader closed the pipe, with a message otherwise.
fn stdout_failed(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("error: cannot write to standard output: {e}");
    std::process::exit(1)
}

/// True when an error comes from writing into a pipe whose reader went away.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

use clap::{Parser, Subcommand};

// Many small, short-lived allocations per request (headers, JSON, ids): mimalloc serves them
// from thread-local pages where glibc's malloc spent ~10 % of a loaded server's CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// NewLedger: accounting books with governed App Connect integrations.
#[derive(Parser, Debug)]
#[command(name = "newledger", version, about)]
pub struct Cli {
    #[command(flatten)]
    common: config::Common,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the server.
    Serve(commands::serve::ServeArgs),
    /// Apply database migrations.
    Migrate,
    /// Create the demo person and company (prints how to sign in).
    Demo(commands::demo::DemoArgs),
    /// Manage people.
    #[command(subcommand)]
    User(commands::admin::UserCommand),
    /// Manage companies.
    #[command(subcommand)]
    Company(commands::admin::CompanyCommand),
    /// Manage API credential apps (incident response: revoke takes effect on every node).
    #[command(subcommand)]
    App(commands::app::AppCommand),
    /// Export the posted ledger (hledger, beancount or CSV).
    Export(commands::export::ExportArgs),
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,rmcp=warn,tower_http=info".into());
    let json = std::env::var("NEWLEDGER_LOG_FORMAT").is_ok_and(|v| v == "json");
    let sub = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        sub.json().init();
    } else {
        sub.init();
    }
    let result = match cli.command {
        Command::Serve(a) => commands::serve::run(&cli.common, a).await,
        Command::Migrate => commands::migrate(&cli.common).await,
        Command::Demo(a) => commands::demo::run(&cli.common, a).await,
        Command::User(c) => commands::admin::user(&cli.common, c).await,
        Command::Company(c) => commands::admin::company(&cli.common, c).await,
        Command::App(c) => commands::app::run(&cli.common, c).await,
        Command::Export(a) => commands::export::run(&cli.common, a).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
