#!/usr/bin/env bash
# Runs check.py with the real python-quickbooks and intuit-oauth from PyPI against a sandbox on a
# generated portfolio. Not part of .ci/run: it needs PyPI.
#   scripts/qbo-sdk-check/run.sh [PORT]
set -euo pipefail
port="${1:-18433}"
here="$(cd "$(dirname "$0")" && pwd)"
venv="${QBO_SDK_VENV:-/tmp/qbo-sdk-venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q -r "$here/requirements.txt"
cd "$here/../.."
cargo build -q
target="${CARGO_TARGET_DIR:-target}"
"$target/debug/entrata-recon" sandbox --generate properties=2,months=1,seed=1 --listen "127.0.0.1:$port" >/tmp/qbo-sdk-sandbox.log 2>&1 &
sandbox=$!
trap 'kill "$sandbox" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/_sandbox/time" >/dev/null 2>&1 && break
  sleep 0.1
done
"$venv/bin/python" "$here/check.py" --base "http://127.0.0.1:$port"
