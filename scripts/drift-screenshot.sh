#!/bin/sh
# Renders a drift report made against the sandboxes in headless Chromium and writes the screenshot
# shown in README.md (docs/drift-report.png), checking that the page loads without a console error
# or a network request (it must be self-contained).
#
#   scripts/drift-screenshot.sh                 # builds the release binary if needed
#   ENTRATA_RECON=target/debug/entrata-recon scripts/drift-screenshot.sh
#
# What it does: starts `entrata-recon sandbox` on a one-property, one-month portfolio, connects
# QuickBooks (through the sandbox's consent page) and Xero (a custom connection), runs the nightly
# job, then changes things behind the connector's back (a charge edited in Entrata, an entry
# deleted in QuickBooks, a journal voided in Xero) and writes `drift --format html`. Debian's
# `chromium` package is installed when missing. Needs curl and python3 (for the control calls).
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-$repo/docs/drift-report.png}
width=${WIDTH:-1360}
height=${HEIGHT:-2400}

if ! command -v chromium >/dev/null 2>&1; then
    echo "installing Debian's chromium package"
    if [ "$(id -u)" -eq 0 ]; then apt-get install -y chromium; else sudo apt-get install -y chromium; fi
fi

bin=${ENTRATA_RECON:-$repo/target/release/entrata-recon}
if [ ! -x "$bin" ]; then
    (cd "$repo" && cargo build --release --locked)
fi

work=$(mktemp -d)
sandbox_pid=""
cleanup() {
    [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# The sandbox, and a config pointing at it (Xero as a custom connection).
"$bin" sandbox --generate properties=1,months=1,seed=3 --write-config "$work/recon.toml" >"$work/sandbox.log" 2>&1 &
sandbox_pid=$!
for _ in $(seq 1 100); do
    grep -q "Press Ctrl-C to stop." "$work/sandbox.log" 2>/dev/null && break
    sleep 0.1
done
printf 'auth = "client_credentials"\n' >>"$work/recon.toml"   # [targets.xero] is the file's last table
base=$(sed -n 's/^api_base = "\(http:\/\/127\.0\.0\.1:[0-9]*\)\/qbo"$/\1/p' "$work/recon.toml")
recon() { "$bin" --config "$work/recon.toml" -q "$@"; }

# QuickBooks: the consent page answers at once; follow it back to connect's loopback listener.
recon connect qbo >"$work/connect.log" 2>&1 &
connect_pid=$!
for _ in $(seq 1 100); do
    url=$(grep '^http' "$work/connect.log" 2>/dev/null || true)
    [ -n "$url" ] && break
    sleep 0.1
done
for _ in $(seq 1 50); do curl -fsSL "$url" >/dev/null 2>&1 && break; sleep 0.1; done
wait "$connect_pid"

recon run >"$work/run.log" 2>&1 || true

# Behind the connector's back.
python3 - "$base" <<'EOF'
import json, sys, urllib.request
base = sys.argv[1]
def call(method, path, body=None):
    request = urllib.request.Request(base + path, method=method, data=body.encode() if body else None,
                                     headers={"content-type": "application/json"})
    return json.loads(urllib.request.urlopen(request).read())
state = call("GET", "/_sandbox/state")
charges = state["entrata"]["data"]["charges"]["prop_0001"]
rent = next(c for c in charges if c["arCode"] == "RENT" and c["status"] == "posted")
text = json.dumps(rent)
text = text.replace('"amount": %s' % json.dumps(rent["amount"]), '"amount": "%s"' % "1999.00", 1)
call("POST", "/_sandbox/entrata/charges", text)
entries = state["qbo"]["journalEntries"]
call("DELETE", "/_sandbox/qbo/journalentry/" + entries[len(entries) // 2]["Id"])
journals = [j for j in state["xero"]["manualJournals"] if j["Status"] == "POSTED"]
call("POST", "/_sandbox/xero/manualjournals/%s/void" % journals[len(journals) // 3]["ManualJournalID"])
EOF

page="$work/drift.html"
recon drift --pull --format html --out "$page" >/dev/null || true
[ -s "$page" ] || { echo "no report was written" >&2; exit 1; }

# Headless, no network, its own profile; console messages go to stderr, where they are looked for.
chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
    --disable-sync --no-first-run --hide-scrollbars --user-data-dir="$work/profile" \
    --enable-logging=stderr --v=0 --window-size="$width,$height" \
    --screenshot="$out" "file://$page" 2>"$work/chromium.log" || {
    cat "$work/chromium.log" >&2
    exit 1
}
if grep -E "CONSOLE|Uncaught|Failed to load resource|net::ERR_" "$work/chromium.log"; then
    echo "the page logged console errors or network failures (above)" >&2
    exit 1
fi
echo "wrote $out ($(wc -c <"$out") bytes) from a report of $(grep -c '<tr><td>' "$page") rows"
