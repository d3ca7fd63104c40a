#!/usr/bin/env bash
# Soak: a mixed workload (token exchange, one invoice by id, the trial balance, a draft invoice)
# held at about half of its measured peak for a while, loopback only, bounded by time. Reports
# the error count (any non-2xx answer or socket error) and the server's RSS at start and end.
#
#   scripts/soak.sh [MINUTES] [CONNECTIONS]     (defaults: 10 minutes, 16 connections)
#
# Same setup as bench-load.sh: release build, `serve --demo` on a fresh SQLite database, rate
# limits raised (and said so). The peak is measured first (15 s, unpaced); the soak then paces
# each connection with wrk's delay() so that the total is about half of it.
set -euo pipefail

minutes=${1:-10}
conns=${2:-16}
root=$(cd "$(dirname "$0")/.." && pwd)
target_dir=${CARGO_TARGET_DIR:-$root/target}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
if [ -n "${NEWLEDGER_BENCH_BIN:-}" ]; then
    bin=$NEWLEDGER_BENCH_BIN
else
    (cd "$root" && cargo build --release -p newledger --quiet)
    bin=$target_dir/release/newledger
fi

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
limits=(--token-rate-per-client 100000000 --token-rate-per-ip 100000000 --api-rate-per-app 100000000)
echo "== serve --demo on $base; rate limits raised for the soak: ${limits[*]}"
"$bin" --database-url "sqlite://$work/soak.db" serve --demo --listen "127.0.0.1:$port" \
    --base-url "$base" "${limits[@]}" >"$work/server.log" 2>&1 &
server=$!
cleanup() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 1 600); do
    grep -q "is serving on" "$work/server.log" && break
    kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.2
done

client_id=$(grep -o 'client_id [^ ]*' "$work/server.log" | head -1 | cut -d' ' -f2)
client_secret=$(grep -o 'client_secret [^ ]*' "$work/server.log" | head -1 | cut -d' ' -f2)
company=$(awk '$1=="Company"{print $2; exit}' "$work/server.log")
basic=$(printf '%s:%s' "$client_id" "$client_secret" | base64 -w0)
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
token=$(curl -fsS -X POST "$base/oauth/token" -H "Authorization: Basic $basic" -d grant_type=client_credentials | json 'd["access_token"]')
api="/api/v1/companies/$company"
auth=(-H "Authorization: Bearer $token")
invoice=$(curl -fsS "${auth[@]}" "$base$api/invoices?limit=1" | json 'd["data"][0]["id"]')
contact=$(curl -fsS "${auth[@]}" "$base$api/contacts?status=customer&limit=1" | json 'd["data"][0]["id"]')
revenue=$(curl -fsS "${auth[@]}" "$base$api/accounts" | json '[a["id"] for a in d["data"] if a.get("class")=="revenue" or a.get("type")=="revenue"][0]')
today=$(date -u +%F)

# One script, four requests in turn; `delay` paces each connection (0 for the peak run).
mix() {
cat <<EOF
local reqs = {
  wrk.format("POST", "/oauth/token", {["Content-Type"]="application/x-www-form-urlencoded", ["Authorization"]="Basic $basic"}, "grant_type=client_credentials"),
  wrk.format("GET", "$api/invoices/$invoice", {["Authorization"]="Bearer $token"}),
  wrk.format("GET", "$api/reports/trial-balance", {["Authorization"]="Bearer $token"}),
  wrk.format("POST", "$api/invoices", {["Authorization"]="Bearer $token", ["Content-Type"]="application/json"},
    '{"contact_id":"$contact","issue_date":"$today","lines":[{"description":"Soak","quantity":"1","unit_price":"10.00","account_id":"$revenue","tax_rate":"20"}]}'),
}
local i = 0
request = function() i = i + 1; return reqs[(i % #reqs) + 1] end
delay = function() return $1 end
EOF
}
mix 0 >"$work/peak.lua"
peak=$(wrk -t1 -c"$conns" -d15s -s "$work/peak.lua" "$base" | awk '/Requests\/sec/{print int($2)}')
half=$(( peak / 2 ))
delay_ms=$(( conns * 1000 / (half > 0 ? half : 1) ))
[ "$delay_ms" -ge 1 ] || delay_ms=1
mix "$delay_ms" >"$work/soak.lua"
rss() { awk '/VmRSS/{print $2" kB"}' "/proc/$server/status"; }
echo "== peak (unpaced, $conns connections, 15 s): $peak req/s; soak target about $half req/s (delay ${delay_ms} ms per connection)"
echo "== RSS at start: $(rss)"
wrk -t1 -c"$conns" -d"${minutes}m" --latency -s "$work/soak.lua" "$base" | tee "$work/soak.txt"
errors=$(awk '/Non-2xx/{n+=$NF} /Socket errors/{gsub(",",""); n+=$4+$6+$8+$10} END{print n+0}' "$work/soak.txt")
echo "== RSS at end:   $(rss)"
echo "== errors (non-2xx + socket): $errors"
[ "$errors" -eq 0 ]
