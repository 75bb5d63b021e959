#!/usr/bin/env bash
# Runs check.py (Xero's xero-python SDK, from PyPI) and, when npm is present, check-node.mjs
# (xero-node, from npm) against freshly started sandboxes.
# Usage: scripts/xero-sdk-check/run.sh [PORT]   (needs python3, and network access to PyPI/npm once)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
port="${1:-18765}"
venv="${XERO_SDK_VENV:-/tmp/xero-sdk-venv}"
node_dir="${XERO_NODE_DIR:-/tmp/xero-node-check}"

cd "$root"
cargo build --quiet
binary="${CARGO_TARGET_DIR:-$root/target}/debug/entrata-recon"
sandbox=""
trap 'if [ -n "$sandbox" ]; then kill "$sandbox" 2>/dev/null || true; fi' EXIT

start_sandbox() {
  if [ -n "$sandbox" ]; then kill "$sandbox" 2>/dev/null || true; wait "$sandbox" 2>/dev/null || true; fi
  "$binary" sandbox --generate properties=2,months=1,seed=1 --listen "127.0.0.1:$port" >/tmp/xero-sdk-sandbox.log 2>&1 &
  sandbox=$!
  for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$port/_sandbox/time" >/dev/null 2>&1; then return; fi
    sleep 0.1
  done
  echo "the sandbox did not start; see /tmp/xero-sdk-sandbox.log" >&2
  exit 2
}

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet xero-python
fi
echo "== $("$venv/bin/pip" show xero-python | sed -n 's/^Version: /xero-python /p')"
start_sandbox
"$venv/bin/python" "$here/check.py" "http://127.0.0.1:$port"

if command -v npm >/dev/null 2>&1; then
  if [ ! -d "$node_dir/node_modules/xero-node" ]; then
    mkdir -p "$node_dir"
    (cd "$node_dir" && npm init -y >/dev/null && npm install --silent xero-node)
  fi
  echo "== xero-node $(node -p "require('$node_dir/node_modules/xero-node/package.json').version")"
  start_sandbox
  XERO_NODE_DIR="$node_dir" node "$here/check-node.mjs" "http://127.0.0.1:$port"
fi
