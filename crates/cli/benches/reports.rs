//! Report benchmarks on the `--size large` demo company (at least 1,000,000 posted journal
//! lines) on SQLite: trial balance, profit and loss and AR aging. Target: each under 50 ms.
//!
//! The database is built once (a few minutes) and reused between runs:
//! `$NEWLEDGER_BENCH_DB`, default `$CARGO_TARGET_DIR/bench-data/large.db` (or
//! `target/bench-data/large.db`). Delete the file to rebuild it.
//!
//! Run: `cargo bench -p newledger --bench reports`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use newledger_domain::actor::Actor;
use newledger_domain::document::DocumentKind;
use newledger_domain::permission::PermissionSet;
use newledger_service::clock::SystemClock;
use newledger_service::crypto::SecretKey;
use newledger_service::{Access, Services, Settings, demo, reports};
use newledger_store::SqlStore;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Journal lines of the large company.
const LINES: u64 = 1_000_000;

fn db_path() -> PathBuf {
    if let Ok(p) = std::env::var("NEWLEDGER_BENCH_DB") {
        return PathBuf::from(p);
    }
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| {
        // Benches run with the package directory as the working directory.
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../target").to_owned()
    });
    PathBuf::from(target).join("bench-data").join("large.db")
}

/// Opens the benchmark database, building it first when missing. A build that was interrupted
/// leaves no `.ready` marker and is started again from scratch.
async fn open() -> (Services, Access) {
    let path = db_path();
    let ready = path.with_extension("ready");
    if !ready.exists() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        for ext in ["db", "db-wal", "db-shm"] {
            let _ = std::fs::remove_file(path.with_extension(ext));
        }
    }
    let url = format!("sqlite://{}", path.display());
    let store = SqlStore::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    // Reports need no secret; a fresh key per run is fine.
    let svc = Services::new(
        Arc::new(store),
        Arc::new(SystemClock),
        SecretKey::generate(&newledger_service::clock::SystemRandom),
        Settings::default(),
    );
    let company_id = if ready.exists() {
        demo::existing(&svc).await.unwrap().company_id
    } else {
        eprintln!(
            "building the large demo company ({LINES} posted lines) in {} (once; reused by later runs)",
            path.display()
        );
        let t = Instant::now();
        let info = demo::create(&svc).await.unwrap();
        demo::large::populate(&svc, &info.company_id, LINES, |done, total| {
            eprint!("\r  {done}/{total} lines");
        })
        .await
        .unwrap();
        svc.flush().await.unwrap();
        std::fs::write(&ready, info.company_id.to_string()).unwrap();
        eprintln!("\r  built in {:.0?}", t.elapsed());
        info.company_id
    };
    let company = svc.store.company(&company_id).await.unwrap().unwrap();
    let access = Access {
        actor: Actor::System,
        label: "benchmark".into(),
        company,
        permissions: PermissionSet::all(),
        ip: "bench".into(),
    };
    (svc, access)
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (svc, access) = rt.block_on(open());
    let today = svc.clock.today();
    let from = access.company.fiscal_year_start(today);

    rt.block_on(async {
        let tb = reports::trial_balance(&svc, &access, today).await.unwrap();
        eprintln!(
            "large company {}: trial balance has {} rows, total debit {}",
            access.company.id,
            tb.rows.len(),
            tb.total_debit
        );
    });

    let mut g = c.benchmark_group("reports (SQLite, 1M posted lines)");
    g.sample_size(50).measurement_time(Duration::from_secs(5));
    g.bench_function("trial_balance", |b| {
        b.to_async(&rt)
            .iter(|| async { reports::trial_balance(&svc, &access, today).await.unwrap() })
    });
    g.bench_function("profit_and_loss", |b| {
        b.to_async(&rt).iter(|| async {
            reports::profit_and_loss(&svc, &access, from, today)
                .await
                .unwrap()
        })
    });
    g.bench_function("ar_aging", |b| {
        b.to_async(&rt).iter(|| async {
            reports::aging(&svc, &access, DocumentKind::Invoice, today)
                .await
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
