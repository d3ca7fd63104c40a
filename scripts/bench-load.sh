#!/usr/bin/env bash
# Load benchmark of the token endpoint and of an authenticated GET, each reported as a ratio of
# the same server's /healthz rate measured beside it in the same run (absolute figures on a
# shared machine drift; the ratio does not).
#
#   scripts/bench-load.sh [SECONDS] [CONNECTIONS]      (defaults: 8 s, 32 connections)
#
# It builds the release binary, starts `newledger serve --demo` on a fresh SQLite database in a
# temporary directory with the rate limits raised (so that the limiter does not answer 429
# instead of doing the work), and runs wrk (`apt-get install -y wrk`) through
# tools/ratio.sh: healthz, target, healthz, each `wrk -t1 -cCONNECTIONS`. wrk shares the
# machine's cores with the server, so the ratios are conservative.
#
# Targets (issue 3, SQLite, 2 cores): token endpoint >= 0.25 of /healthz; authenticated
# GET of one invoice >= 0.5; p99 < 10 ms at 32 connections.
set -euo pipefail

secs=${1:-8}
conns=${2:-32}
root=$(cd "$(dirname "$0")/.." && pwd)
target_dir=${CARGO_TARGET_DIR:-$root/target}
ratio=${RATIO_SH:-$root/scripts/ratio.sh}
[ -x "$ratio" ] || ratio=/work/shared/tools/ratio.sh
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }

if [ -n "${NEWLEDGER_BENCH_BIN:-}" ]; then
    bin=$NEWLEDGER_BENCH_BIN   # compare builds: NEWLEDGER_BENCH_BIN=/path/to/newledger
else
    echo "== building the release binary (cargo build --release -p newledger)"
    (cd "$root" && cargo build --release -p newledger --quiet)
    bin=$target_dir/release/newledger
fi

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
# Raised limits: the defaults (600 token requests per minute per client, 1200 per address,
# 3000 API calls per minute per app) would turn a load test into a test of the limiter.
limits=(--token-rate-per-client 100000000 --token-rate-per-ip 100000000 --api-rate-per-app 100000000)
echo "== starting $bin serve --demo on $base (fresh SQLite database in $work)"
echo "   rate limits raised for the benchmark: ${limits[*]}"
"$bin" --database-url "sqlite://$work/bench.db" serve --demo --listen "127.0.0.1:$port" \
    --base-url "$base" "${limits[@]}" >"$work/server.log" 2>&1 &
server=$!
cleanup() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

for _ in $(seq 1 600); do
    grep -q "is serving on" "$work/server.log" && break
    kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.2
done
grep -q "is serving on" "$work/server.log" || { echo "server did not start" >&2; cat "$work/server.log" >&2; exit 1; }

client_id=$(grep -o 'client_id [^ ]*' "$work/server.log" | head -1 | cut -d' ' -f2)
client_secret=$(grep -o 'client_secret [^ ]*' "$work/server.log" | head -1 | cut -d' ' -f2)
company=$(awk '$1=="Company"{print $2; exit}' "$work/server.log")
[ -n "$client_id" ] && [ -n "$client_secret" ] && [ -n "$company" ] || {
    echo "could not read the demo app's credentials from the server output" >&2
    cat "$work/server.log" >&2
    exit 1
}
basic=$(printf '%s:%s' "$client_id" "$client_secret" | base64 -w0)

token=$(curl -fsS -X POST "$base/oauth/token" -H "Authorization: Basic $basic" \
    -d grant_type=client_credentials | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
invoice=$(curl -fsS "$base/api/v1/companies/$company/invoices?limit=1" -H "Authorization: Bearer $token" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["id"])')

cat >"$work/token.lua" <<EOF
wrk.method = "POST"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic $basic"
EOF
cat >"$work/get.lua" <<EOF
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer $token"
EOF

echo "== $(nproc) cores; wrk -t1 -c$conns -d${secs}s; demo company $company, app $client_id"
echo "== (a) POST /oauth/token, client_credentials with HTTP Basic   (target: ratio >= 0.25)"
"$ratio" "$base" "$base/oauth/token" "$work/token.lua" "$secs" "$conns"
echo "== (b) GET /api/v1/companies/{id}/invoices/{invoice_id}, bearer (target: ratio >= 0.5, p99 < 10 ms)"
"$ratio" "$base" "$base/api/v1/companies/$company/invoices/$invoice" "$work/get.lua" "$secs" "$conns"
