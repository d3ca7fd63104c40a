# Sourced by the suites that talk to a running server (tests/openapi-client, tests/schemathesis).
# `demo_server_start` makes a demo company on a fresh SQLite database in a temporary directory,
# creates an API credential app with every read permission (plus contacts:write and the drafts),
# starts `newledger serve` on a free loopback port with the rate limits raised, and exports
# NL_BASE, NL_COMPANY, NL_CLIENT_ID, NL_CLIENT_SECRET. The server stops when the shell exits.
# Needs NEWLEDGER_BIN (a built `newledger`) and python3.

demo_server_start() {
  : "${NEWLEDGER_BIN:?set NEWLEDGER_BIN to a built newledger binary}"
  NL_DIR=$(mktemp -d)
  local db="sqlite://$NL_DIR/newledger.db"
  "$NEWLEDGER_BIN" demo --json --database-url "$db" > "$NL_DIR/demo.json"
  NL_COMPANY=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["company_id"])' "$NL_DIR/demo.json")
  local perms=()
  for p in company:read accounts:read contacts:read invoices:read bills:read expenses:read \
           journal:read bank:read reports:read contacts:write invoices:draft bills:draft \
           expenses:draft journal:draft; do
    perms+=(--permission "$p")
  done
  "$NEWLEDGER_BIN" app create --database-url "$db" --company "$NL_COMPANY" --name "OpenAPI suite" \
    "${perms[@]}" --json > "$NL_DIR/app.json"
  NL_CLIENT_ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["client_id"])' "$NL_DIR/app.json")
  NL_CLIENT_SECRET=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["client_secret"])' "$NL_DIR/app.json")
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  NL_BASE="http://127.0.0.1:$port"
  "$NEWLEDGER_BIN" serve --database-url "$db" --listen "127.0.0.1:$port" --base-url "$NL_BASE" \
    --token-rate-per-client 100000000 --token-rate-per-ip 100000000 --api-rate-per-app 100000000 \
    > "$NL_DIR/server.log" 2>&1 &
  NL_PID=$!
  trap demo_server_stop EXIT
  for _ in $(seq 1 100); do
    curl -fsS "$NL_BASE/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -fsS "$NL_BASE/readyz" >/dev/null
  export NL_BASE NL_COMPANY NL_CLIENT_ID NL_CLIENT_SECRET NL_DIR
}

demo_server_stop() {
  if [ -n "${NL_PID:-}" ]; then
    kill "$NL_PID" 2>/dev/null || true
    wait "$NL_PID" 2>/dev/null || true
    NL_PID=
  fi
  if [ -n "${NL_DIR:-}" ] && [ -z "${NL_KEEP:-}" ]; then
    rm -rf "$NL_DIR"
  fi
}
