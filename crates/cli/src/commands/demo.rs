//! `newledger demo`: creates the demo person and company and prints how to sign in.

use crate::config::Common;
use newledger_service::Settings;
use newledger_service::demo::{self, DemoInfo};

/// Demo options.
#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// small: a year of activity; large: also at least 1,000,000 posted journal lines (benchmarks).
    #[arg(long, default_value = "small", value_parser = ["small", "large"])]
    pub size: String,
    /// Print one JSON object (email, password, totp_secret, company_id, …).
    #[arg(long)]
    pub json: bool,
}

/// Runs the command.
pub async fn run(common: &Common, args: DemoArgs) -> anyhow::Result<()> {
    let file = common.file()?;
    let (svc, _) = super::open(common, &file, Settings::default()).await?;
    let info = demo::create(&svc).await?;
    if args.size == "large" {
        demo::large::populate(&svc, &info.company_id, 1_000_000, |done, total| {
            progress(done, total)
        })
        .await?;
        eprintln!();
    }
    svc.flush().await?;
    if args.json {
        out!("{}", serde_json::to_string_pretty(&info)?);
    } else {
        print_sign_in(&info, None);
    }
    Ok(())
}

fn progress(done: u64, total: u64) {
    use std::io::Write;
    let pct = done * 100 / total.max(1);
    let bar = "#".repeat(usize::try_from(pct / 2).unwrap_or(0));
    eprint!("\r[{bar:<50}] {pct:>3}%  {done}/{total} journal lines");
    let _ = std::io::stderr().flush();
}

/// Prints the demo sign-in details, the otpauth URI and a terminal QR code.
pub fn print_sign_in(info: &DemoInfo, base_url: Option<&str>) {
    out!();
    out!("  NewLedger demo");
    if let Some(b) = base_url {
        out!("  Sign in at      {b}/signin");
    }
    out!("  E-mail          {}", info.email);
    out!("  Password        {}", info.password);
    out!(
        "  TOTP secret     {}  (add it to your authenticator app, or scan:)",
        info.totp_secret
    );
    if let Ok(code) = qrcode::QrCode::new(info.otpauth_uri.as_bytes()) {
        let s = code
            .render::<qrcode::render::unicode::Dense1x2>()
            .quiet_zone(true)
            .build();
        out!("{s}");
    }
    out!("  otpauth URI     {}", info.otpauth_uri);
    out!("  Company         {}", info.company_id);
    out!(
        "  Demo API app    client_id {}  client_secret {}",
        info.demo_app_client_id,
        info.demo_app_client_secret
    );
    out!();
}
