#!/usr/bin/env bash
# Load benchmark of the MCP server: `tools/call` of the trial balance on the demo company, at 1
# and 16 concurrent clients, in each protocol era (2026-07-28 stateless; 2025-11-25 in sessions,
# one session per client), each beside the same server's /healthz (scripts/ratio.sh: healthz,
# target, healthz); then the server's resident memory before and after opening 100 idle
# sessions.
#
#   scripts/bench-mcp.sh [SECONDS]        (default 8 s per measurement)
#
# Like scripts/bench-load.sh: release build, `serve --demo` on a fresh SQLite database in a
# temporary directory, rate limits raised (and the session bound, to hold 100 sessions of one
# app) so that the limiter does not answer instead of the server. The token is the demo API
# credential app's, issued for the MCP URL (`resource=…/mcp/{company}`), so the benchmark needs
# no browser. wrk (`apt-get install -y wrk`) shares the two cores with the server.
#
# Targets (issue 15): p99 < 10 ms at 16 clients, >= 0.3 x /healthz.
set -euo pipefail

secs=${1:-8}
root=$(cd "$(dirname "$0")/.." && pwd)
target_dir=${CARGO_TARGET_DIR:-$root/target}
ratio=$root/scripts/ratio.sh
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }

if [ -n "${NEWLEDGER_BENCH_BIN:-}" ]; then
    bin=$NEWLEDGER_BENCH_BIN
else
    echo "== building the release binary (cargo build --release -p newledger)"
    (cd "$root" && cargo build --release -p newledger --quiet)
    bin=$target_dir/release/newledger
fi

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
limits=(--token-rate-per-client 100000000 --token-rate-per-ip 100000000 --api-rate-per-app 100000000
        --mcp-sessions-per-connection 1000)
echo "== starting $bin serve --demo on $base (fresh SQLite database in $work)"
echo "   raised for the benchmark: ${limits[*]}"
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
grep -q "is serving on" "$work/server.log" || { echo "server did not start" >&2; exit 1; }

client_id=$(grep -o 'client_id [^ ]*' "$work/server.log" | head -1 | cut -d' ' -f2)
client_secret=$(grep -o 'client_secret [^ ]*' "$work/server.log" | head -1 | cut -d' ' -f2)
company=$(awk '$1=="Company"{print $2; exit}' "$work/server.log")
mcp="$base/mcp/$company"
token=$(curl -fsS -X POST "$base/oauth/token" -u "$client_id:$client_secret" \
    -d grant_type=client_credentials -d scope=reports:read --data-urlencode "resource=$mcp" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

rest_token=$(curl -fsS -X POST "$base/oauth/token" -u "$client_id:$client_secret" \
    -d grant_type=client_credentials -d scope=reports:read |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

call='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"trial_balance","arguments":{}META}}'
meta=',"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}'
stateless_body=${call/META/$meta}
session_body=${call/META/}

# One session per client: `initialize`, then `notifications/initialized`.
open_session() {
    local sid
    sid=$(curl -fsS -D - -o /dev/null "$mcp" -H "Authorization: Bearer $token" \
        -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
        -d '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}' |
        awk 'tolower($1)=="mcp-session-id:"{print $2}' | tr -d '\r')
    curl -fsS -o /dev/null "$mcp" -H "Authorization: Bearer $token" -H "Mcp-Session-Id: $sid" \
        -H 'MCP-Protocol-Version: 2025-11-25' -H 'Content-Type: application/json' \
        -H 'Accept: application/json, text/event-stream' \
        -d '{"jsonrpc":"2.0","method":"notifications/initialized"}'
    echo "$sid"
}

cat >"$work/stateless.lua" <<EOF
wrk.method = "POST"
wrk.body = '$stateless_body'
wrk.headers["Authorization"] = "Bearer $token"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2026-07-28"
wrk.headers["Mcp-Method"] = "tools/call"
wrk.headers["Mcp-Name"] = "trial_balance"
EOF

sessions_lua() {   # a Lua script cycling over $1 sessions, one per connection
    local n=$1 ids=()
    for _ in $(seq 1 "$n"); do ids+=("\"$(open_session)\""); done
    cat <<EOF
local ids = {$(IFS=,; echo "${ids[*]}")}
local requests = {}
local i = 0
wrk.method = "POST"
wrk.body = '$session_body'
wrk.headers["Authorization"] = "Bearer $token"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2025-11-25"
-- Formatted once, not per request: wrk shares the two cores with the server, and the
-- stateless script sends one fixed request too.
init = function(args)
  for k, id in ipairs(ids) do
    wrk.headers["Mcp-Session-Id"] = id
    requests[k] = wrk.format()
  end
end
request = function()
  i = i % #requests + 1
  return requests[i]
end
EOF
}

rss() { awk '/VmRSS/{printf "%.1f MiB", $2/1024}' "/proc/$server/status"; }

echo "== $(nproc) cores; wrk -t1 -d${secs}s; demo company $company; tools/call trial_balance"
for c in 1 16; do
    echo "== 2026-07-28 (stateless), $c client(s)   (target at 16: ratio >= 0.3, p99 < 10 ms)"
    "$ratio" "$base" "$mcp" "$work/stateless.lua" "$secs" "$c"
    sessions_lua "$c" >"$work/sessions-$c.lua"
    echo "== 2025-11-25 (sessions, one per client), $c client(s)"
    "$ratio" "$base" "$mcp" "$work/sessions-$c.lua" "$secs" "$c"
done

cat >"$work/rest.lua" <<EOF
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer $rest_token"
EOF
echo "== for comparison: the REST API's GET /reports/trial-balance, 16 connections"
"$ratio" "$base" "$base/api/v1/companies/$company/reports/trial-balance" "$work/rest.lua" "$secs" 16

echo "== idle memory: 100 open sessions"
sleep 1
before=$(rss)
for _ in $(seq 1 100); do open_session >/dev/null; done
sleep 2
echo "server RSS before $before, with 100 more idle sessions $(rss)"
