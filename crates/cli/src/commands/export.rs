//! `newledger export`: the posted ledger of a company as an hledger journal, a beancount file
//! or CSV, streamed to a file or standard output. An operator's task: it acts as the system
//! (see [`super::operator_access`]) and is recorded in the company's activity log.

use crate::config::Common;
use chrono::NaiveDate;
use newledger_service::Settings;
use newledger_service::ledger_export::{self, Format};
use std::path::PathBuf;
use tokio::io::BufWriter;

/// Export options.
#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// Company id (`cmp_…`).
    #[arg(long)]
    pub company: String,
    /// Output format.
    #[arg(long, value_parser = ["hledger", "beancount", "csv", "csv-raw"])]
    pub format: String,
    /// First day (inclusive, YYYY-MM-DD); the file then opens with the balances of the day before.
    #[arg(long)]
    pub from: Option<NaiveDate>,
    /// Last day (inclusive, YYYY-MM-DD).
    #[arg(long)]
    pub to: Option<NaiveDate>,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// Runs the command.
pub async fn run(common: &Common, args: ExportArgs) -> anyhow::Result<()> {
    let (svc, _) = super::open(common, &common.file()?, Settings::default()).await?;
    let access = super::operator_access(&svc, &args.company).await?;
    let format = Format::parse(&args.format)?;
    let export = ledger_export::prepare(&svc, &access, format, args.from, args.to).await?;
    let stats = match &args.output {
        Some(path) => {
            let file = tokio::fs::File::create(path)
                .await
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
            export.write_to(BufWriter::new(file)).await?
        }
        None => export.write_to(BufWriter::new(tokio::io::stdout())).await?,
    };
    svc.flush().await?;
    eprintln!(
        "exported {} posted lines in {} transactions ({} bytes){}",
        stats.lines,
        stats.transactions,
        stats.bytes,
        args.output
            .as_ref()
            .map(|p| format!(" to {}", p.display()))
            .unwrap_or_default()
    );
    Ok(())
}
