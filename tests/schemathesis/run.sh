#!/usr/bin/env bash
# Schemathesis (pinned, from PyPI) against a demo server, driven by docs/openapi.json: every
# operation, examples + coverage + fuzzing phases, positive and negative data. Needs
# NEWLEDGER_BIN; SCHEMATHESIS_VENV (default $NEWLEDGER_CI_CACHE/venv-schemathesis) is created
# when missing. NEWLEDGER_SCHEMATHESIS_EXAMPLES sets the cases per operation (default 60).
#
# Checks: no server error, documented status codes, content types, headers and response
# schemas, and negative data refused. `positive_data_acceptance` is left out: many rules are
# not JSON Schema (a draft's lines must balance and name existing accounts, `from` on or before
# `to`, ids must exist), so schema-valid requests are rightly refused with 4xx.
set -euo pipefail
cd "$(dirname "$0")"
CACHE=${NEWLEDGER_CI_CACHE:-/var/tmp/newledger-ci}
VENV=${SCHEMATHESIS_VENV:-$CACHE/venv-schemathesis}
if [ ! -x "$VENV/bin/st" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q 'schemathesis==4.32.5'
fi
. ../lib/demo-server.sh
demo_server_start
TOKEN=$(curl -fsS -u "$NL_CLIENT_ID:$NL_CLIENT_SECRET" -d grant_type=client_credentials \
  "$NL_BASE/oauth/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
export NL_COMPANY
"$VENV/bin/st" --config-file schemathesis.toml run ../../docs/openapi.json \
  --url "$NL_BASE" \
  -H "Authorization: Bearer $TOKEN" \
  --phases examples,coverage,fuzzing \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection \
  --max-examples "${NEWLEDGER_SCHEMATHESIS_EXAMPLES:-60}" \
  --workers 2 \
  --seed "${NEWLEDGER_SCHEMATHESIS_SEED:-20261129}" \
  --warnings off \
  --report junit --report-dir "$NL_DIR/report"
