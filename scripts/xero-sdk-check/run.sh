#!/usr/bin/env bash
# Runs check.py (Xero's own xero-python SDK) against a freshly started sandbox.
# Usage: scripts/xero-sdk-check/run.sh [PORT]   (needs python3 and network access to PyPI once)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
port="${1:-18765}"
venv="${XERO_SDK_VENV:-/tmp/xero-sdk-venv}"

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet xero-python
fi
"$venv/bin/pip" show xero-python | sed -n 's/^Version: /xero-python /p'

cd "$root"
cargo build --quiet
binary="${CARGO_TARGET_DIR:-$root/target}/debug/entrata-recon"
"$binary" sandbox --generate properties=2,months=1,seed=1 --listen "127.0.0.1:$port" >/tmp/xero-sdk-sandbox.log 2>&1 &
sandbox=$!
trap 'kill "$sandbox" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/_sandbox/time" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
"$venv/bin/python" "$here/check.py" "http://127.0.0.1:$port"
