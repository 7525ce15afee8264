#!/usr/bin/env bash
# A local SMTP sink for tests and benchmarks: aiosmtpd on 127.0.0.1:PORT that
# accepts every mail and stores it, byte for byte, in the Maildir MAILDIR (new/
# holds one file per message). Installs aiosmtpd==1.4.6 into the virtualenv
# VENV if missing. The handler is crates/papers-mail/tests/raw_maildir.py
# (aiosmtpd's own Mailbox handler rewrites each message and is too slow for the
# 10,000-mail digest benchmark).
#
#   scripts/smtp-sink.sh .venv 2525 /tmp/maildir
set -euo pipefail
if [ "$#" -ne 3 ]; then
  echo "usage: $0 VENV PORT MAILDIR" >&2
  exit 2
fi
VENV=$1
PORT=$2
MAILDIR=$3
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check 'aiosmtpd==1.4.6'
fi
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export PYTHONPATH="$ROOT/crates/papers-mail/tests${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1
# -n: do not try to drop privileges to "nobody".
exec "$VENV/bin/python" -m aiosmtpd -n -l "127.0.0.1:$PORT" \
  -c raw_maildir.RawMaildir "$MAILDIR"
