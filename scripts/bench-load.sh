#!/usr/bin/env bash
# Load benchmark of the token endpoint, of authenticated reads (one invoice, a page of 50
# invoices) and of every report, each reported as a ratio of the same server's /healthz rate
# measured beside it in the same run (absolute figures on a shared machine drift; the ratio
# does not).
#
#   scripts/bench-load.sh [SECONDS] [CONNECTIONS] [WHICH]   (defaults: 8 s, 32 connections, all)
#
# WHICH picks the parts: `token`, `invoice`, `page`, `reports`, `introspect`, `refresh`
# (comma-separated), or `all`. `refresh` needs node (it signs the demo person in and approves
# consent over HTTP with scripts/oauth-refresh-tokens.mjs to get one refresh token family per
# connection).
#
# It builds the release binary, starts `newledger serve --demo` on a fresh database with the
# rate limits raised (so that the limiter does not answer 429 instead of doing the work), and
# runs wrk (`apt-get install -y wrk`) through tools/ratio.sh: healthz, target, healthz, each
# `wrk -t1 -cCONNECTIONS`. wrk shares the machine's cores with the server, so the ratios are
# conservative. The database is a fresh SQLite file in a temporary directory, or, with
# NEWLEDGER_BENCH_PG=postgres://user@host:port (an admin connection), a fresh PostgreSQL
# database created for the run and dropped after it.
#
# Targets (SQLite and PostgreSQL, 2 cores, 32 connections): token endpoint >= 0.25 of /healthz;
# authenticated GET of one invoice >= 0.5, p99 < 10 ms (issue 3); a page of 50 invoices
# >= 0.2, p99 < 10 ms; every report on the demo company >= 0.3, p99 < 10 ms (issue 14);
# introspection >= 0.5 and the refresh token grant >= 0.1 (issue 13).
set -euo pipefail

secs=${1:-8}
conns=${2:-32}
which=${3:-all}
want() { [ "$which" = all ] || [[ ",$which," == *",$1,"* ]]; }
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
pg_db=
if [ -n "${NEWLEDGER_BENCH_PG:-}" ]; then
    pg_db=bench_$(date +%s)_$$
    psql "${NEWLEDGER_BENCH_PG%/}/postgres" -qc "CREATE DATABASE $pg_db" >/dev/null
    db_url="${NEWLEDGER_BENCH_PG%/}/$pg_db"
    export NEWLEDGER_SECRET_KEY=${NEWLEDGER_SECRET_KEY:-$(python3 -c 'import secrets; print(secrets.token_hex(32))')}
else
    db_url="sqlite://$work/bench.db"
fi
echo "== starting $bin serve --demo on $base (fresh database ${db_url%%:*}: $db_url)"
echo "   rate limits raised for the benchmark: ${limits[*]}"
"$bin" --database-url "$db_url" serve --demo --listen "127.0.0.1:$port" \
    --base-url "$base" "${limits[@]}" >"$work/server.log" 2>&1 &
server=$!
cleanup() {
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    rm -rf "$work"
    [ -z "$pg_db" ] || psql "${NEWLEDGER_BENCH_PG%/}/postgres" -qc "DROP DATABASE IF EXISTS $pg_db" >/dev/null || true
}
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

api="$base/api/v1/companies/$company"
echo "== $(nproc) cores; wrk -t1 -c$conns -d${secs}s; demo company $company, app $client_id, ${db_url%%:*}"
if want token; then
    echo "== (a) POST /oauth/token, client_credentials with HTTP Basic   (target: ratio >= 0.25)"
    "$ratio" "$base" "$base/oauth/token" "$work/token.lua" "$secs" "$conns"
fi
if want invoice; then
    echo "== (b) GET /api/v1/companies/{id}/invoices/{invoice_id}, bearer (target: ratio >= 0.5, p99 < 10 ms)"
    "$ratio" "$base" "$api/invoices/$invoice" "$work/get.lua" "$secs" "$conns"
fi
if want page; then
    echo "== (c) GET …/invoices?limit=50, a page of 50 invoices (target: ratio >= 0.2, p99 < 10 ms)"
    "$ratio" "$base" "$api/invoices?limit=50" "$work/get.lua" "$secs" "$conns"
fi
if want reports; then
    echo "== (d) GET …/reports/{name}, demo company, default dates (target: ratio >= 0.3, p99 < 10 ms)"
    for r in trial-balance profit-and-loss balance-sheet cash-summary ar-aging ap-aging expenses general-ledger; do
        printf '%-16s ' "$r"
        "$ratio" "$base" "$api/reports/$r" "$work/get.lua" "$secs" "$conns"
    done
fi
if want introspect; then
    echo "== (e) POST /oauth/introspect of an access token, by the demo app (HTTP Basic)   (target: ratio >= 0.5)"
    cat >"$work/introspect.lua" <<EOF
wrk.method = "POST"
wrk.body = "token=$token"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic $basic"
EOF
    "$ratio" "$base" "$base/oauth/introspect" "$work/introspect.lua" "$secs" "$conns"
fi
if want refresh; then
    echo "== (f) POST /oauth/token, refresh_token grant, each connection rotating its own family   (target: ratio >= 0.1)"
    signin() { awk -v k="$1" '$1==k{print $2; exit}' "$work/server.log"; }
    mapfile -t rt < <(NL_BASE=$base NL_EMAIL=$(signin E-mail) NL_PASSWORD=$(signin Password) \
        NL_TOTP_SECRET=$(awk '$1=="TOTP"{print $3; exit}' "$work/server.log") NL_COMPANY=$company \
        NL_DIR=$work node "$root/scripts/oauth-refresh-tokens.mjs" "$conns")
    {
        echo "local tokens = {$(printf '"%s",' "${rt[@]:1}")}"
        cat <<EOF
local n = 0
function setup(thread)
  n = n + 1
  thread:set("rt", tokens[n])
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
request = function()
  return wrk.format(nil, nil, nil, "grant_type=refresh_token&client_id=${rt[0]}&refresh_token=" .. rt)
end
response = function(status, headers, body)
  local next = body:match('"refresh_token":"([^"]+)"')
  if next then rt = next end
end
EOF
    } >"$work/refresh.lua"
    WRK_THREADS=$conns "$ratio" "$base" "$base/oauth/token" "$work/refresh.lua" "$secs" "$conns"
fi
