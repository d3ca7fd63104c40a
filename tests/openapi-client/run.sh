#!/usr/bin/env bash
# Generates a typed TypeScript client from docs/openapi.json (openapi-typescript), type-checks
# the calls below against it (tsc) and runs them through openapi-fetch against a demo server.
# Needs NEWLEDGER_BIN, node and npm (packages pinned in package-lock.json).
set -euo pipefail
cd "$(dirname "$0")"
. ../lib/demo-server.sh
npm ci --no-audit --no-fund --loglevel=error
npm run --silent generate
npm run --silent build
demo_server_start
node --test --test-concurrency=1 build/
