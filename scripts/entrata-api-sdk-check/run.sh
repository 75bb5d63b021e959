#!/usr/bin/env bash
# Runs check.py with Entrata's generated Python client against a sandbox serving
# fixtures/one-of-each.json. Not part of .ci/run: it needs the client (GitHub or a checkout).
#   scripts/entrata-api-sdk-check/run.sh [PORT]
# ENTRATA_API_CLIENT=<checkout of mo05mAn/entrata_api_client> uses that checkout instead of pip.
set -euo pipefail
port="${1:-18434}"
here="$(cd "$(dirname "$0")" && pwd)"
venv="${ENTRATA_SDK_VENV:-/tmp/entrata-sdk-venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
client_args=()
if [ -n "${ENTRATA_API_CLIENT:-}" ]; then
  "$venv/bin/pip" install -q "pydantic>=2" python-dateutil "typing-extensions>=4.7.1" "urllib3>=1.25.3"
  client_args=(--client "$ENTRATA_API_CLIENT")
else
  "$venv/bin/pip" install -q "git+https://github.com/mo05mAn/entrata_api_client@9eb22fb"
fi
cd "$here/../.."
cargo build -q
target="${CARGO_TARGET_DIR:-target}"
"$target/debug/entrata-recon" sandbox --data fixtures/one-of-each.json --listen "127.0.0.1:$port" >/tmp/entrata-sdk-sandbox.log 2>&1 &
sandbox=$!
trap 'kill "$sandbox" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/_sandbox/time" >/dev/null 2>&1 && break
  sleep 0.1
done
"$venv/bin/python" "$here/check.py" --base "http://127.0.0.1:$port" "${client_args[@]}"
