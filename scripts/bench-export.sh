#!/usr/bin/env bash
# Ledger export benchmark: throughput (posted lines per second) and the server's peak memory
# while it streams the `--size large` demo company (1,000,000 bulk posted lines plus the demo
# year) in each format through GET /api/v1/companies/{id}/exports/ledger.
#
#   scripts/bench-export.sh [DATABASE_URL COMPANY_ID]
#
# Without arguments it builds the release binary, creates a fresh SQLite database in a
# temporary directory with `newledger demo --size large` (a few minutes), and removes it at
# the end; with them it reuses a database that already holds the large demo company. Then:
#   - creates an API credential app with journal:read (`newledger app create`),
#   - starts `newledger serve`, takes a token, and for each format resets the server's peak
#     RSS (`echo 5 > /proc/PID/clear_refs`), streams the export into /dev/null with curl while
#     sampling VmRSS every 50 ms, and prints bytes, seconds, lines/s, the RSS before, the
#     sampled peak and VmHWM (the kernel's peak since the reset),
#   - exports once more through the CLI (`newledger export --output`) under /usr/bin/time.
# Memory stays flat when the peak during a 1M-line export is close to the RSS before it.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
target_dir=${CARGO_TARGET_DIR:-$root/target}
bin=$target_dir/release/newledger

echo "== building the release binary (cargo build --release -p newledger)"
(cd "$root" && cargo build --release -p newledger --quiet)

work=$(mktemp -d)
server=
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

if [ $# -ge 2 ]; then
    db=$1
    company=$2
else
    db="sqlite://$work/bench.db"
    echo "== creating the large demo company in $db (newledger demo --size large)"
    start=$(date +%s)
    company=$("$bin" --database-url "$db" demo --size large --json 2>"$work/demo.log" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["company_id"])')
    echo "   done in $(( $(date +%s) - start )) s"
fi
echo "== company $company"

app_json=$("$bin" --database-url "$db" app create --company "$company" --name "Export benchmark" \
    --permission journal:read --json 2>/dev/null)
client_id=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["client_id"])' "$app_json")
client_secret=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["client_secret"])' "$app_json")

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
"$bin" --database-url "$db" serve --listen "127.0.0.1:$port" --base-url "$base" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do
    curl -fsS "$base/healthz" >/dev/null 2>&1 && break
    kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.2
done
token=$(curl -fsS -X POST "$base/oauth/token" -u "$client_id:$client_secret" \
    -d grant_type=client_credentials | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
url="$base/api/v1/companies/$company/exports/ledger"

kb() { awk -v k="$1" '$1==k":"{print $2}' "/proc/$server/status"; }

# Posted lines = CSV rows minus the header (no demo text holds a line break).
lines=0
printf '%-10s %12s %8s %12s %12s %14s %12s\n' format bytes seconds lines/s "RSS before" "sampled peak" VmHWM
for format in csv hledger beancount; do
    echo 5 >"/proc/$server/clear_refs" 2>/dev/null || true
    before=$(kb VmRSS)
    peak=$before
    out="$work/export.$format"
    start=$(date +%s.%N)
    curl -fsS -H "Authorization: Bearer $token" "$url?format=$format" -o "$out" &
    fetch=$!
    while kill -0 "$fetch" 2>/dev/null; do
        now=$(kb VmRSS)
        [ "$now" -gt "$peak" ] && peak=$now
        sleep 0.05
    done
    wait "$fetch"
    end=$(date +%s.%N)
    hwm=$(kb VmHWM)
    bytes=$(stat -c %s "$out")
    if [ "$format" = csv ]; then lines=$(( $(wc -l <"$out") - 1 )); fi
    secs=$(python3 -c "print(f'{$end - $start:.2f}')")
    rate=$(python3 -c "print(int($lines / ($end - $start)))")
    printf '%-10s %12s %8s %12s %9s MiB %11s MiB %8s MiB\n' "$format" "$bytes" "$secs" "$rate" \
        $(( before / 1024 )) $(( peak / 1024 )) $(( hwm / 1024 ))
    rm -f "$out"
done
echo "   ($lines posted lines; RSS of the server process, /proc/$server/status)"

if [ -x /usr/bin/time ]; then
    echo "== CLI: newledger export --format hledger --output FILE"
    /usr/bin/time -f "   %e s, max RSS %M KiB" "$bin" --database-url "$db" export --company "$company" \
        --format hledger --output "$work/cli.journal"
    rm -f "$work/cli.journal"
fi
