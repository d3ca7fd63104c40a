#!/usr/bin/env bash
# A longer run of the network-facing parser properties (crates/web/tests/api/fuzz.rs and the
# domain's money/date properties): NEWLEDGER_FUZZ_CASES per property (default 2000 here;
# `cargo test` runs 48). Add NEWLEDGER_TEST_DATABASE_URL for the PostgreSQL half.
# Usage: scripts/fuzz.sh [CASES]
set -euo pipefail
cd "$(dirname "$0")/.."
export NEWLEDGER_FUZZ_CASES=${1:-2000}
export PROPTEST_CASES=$NEWLEDGER_FUZZ_CASES
cargo test -p newledger-web --test api fuzz:: -- --nocapture
cargo test -p newledger-domain money dates
