#!/usr/bin/env bash
# Installs aiosmtpd (PyPI) into a virtualenv under the CI cache, for the SMTP sink the mail
# tests start (tests/smtp-sink/sink.py). Prints the virtualenv's python.
set -euo pipefail
CACHE=${NEWLEDGER_CI_CACHE:-/var/tmp/newledger-ci}
VENV="$CACHE/venv-smtp"
if ! "$VENV/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q 'aiosmtpd==1.4.6'
fi
echo "$VENV/bin/python"
