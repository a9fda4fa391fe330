#!/usr/bin/env bash
# End-to-end browser tests of the pages: starts Rapport on a fresh SQLite file with the demo data
# and drives headless Chromium through WebDriver (scripts/ui_test.py, selenium from PyPI) as the
# demo's agent, supervisor, marketer and administrator. Installs Chromium and its driver from
# Debian's packages when missing (as root). Screenshots go to artifacts/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
SHOTS=${RAPPORT_UI_SCREENSHOTS:-$PWD/artifacts/screenshots}
WORK=$(mktemp -d /tmp/rapport-ui.XXXXXX)
PID=""
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

missing=()
for package in chromium chromium-driver; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "ui-test: installing ${missing[*]} from Debian's packages…"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "ui-test: ${missing[*]} not installed and not root; browser tests NOT run"; [ "${CI:-}" = true ] && exit 1; exit 0
  fi
fi
if ! python3 -c 'import selenium' 2>/dev/null; then
  # A Debian python3 refuses pip outside a virtual environment (PEP 668): then say so explicitly.
  if ! python3 -m pip install -q --disable-pip-version-check selenium >/dev/null 2>&1 \
     && ! python3 -m pip install -q --disable-pip-version-check --break-system-packages selenium >/dev/null 2>&1; then
    echo "ui-test: selenium could not be installed from PyPI; browser tests NOT run"; [ "${CI:-}" = true ] && exit 1; exit 0
  fi
fi

BIN=.build/debug/rapport
for _ in $(seq 1 60); do [ -x "$BIN" ] && break; sleep 2; done   # it may be being relinked
[ -x "$BIN" ] || { echo "ui-test: $BIN is missing; build first (swift build)"; exit 1; }

# A free port on 127.0.0.1, never one of the ports other services on this machine use.
PORT=${RAPPORT_UI_PORT:-}
while [ -z "$PORT" ]; do
  PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  case "$PORT" in 5432|5433|8000|8081) PORT="" ;; esac
done

# An administrator's API token plays the telephony platform (contact events) beside the browsers.
TOKEN=$("$BIN" admin token --database "$WORK/ui.sqlite" --name ui --scope admin | tail -1)
RAPPORT_RATE_LIMIT=5000 "$BIN" serve --demo --database "$WORK/ui.sqlite" --port "$PORT" >"$WORK/serve.log" 2>&1 &
PID=$!
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break
  kill -0 "$PID" 2>/dev/null || break
  sleep 0.1
done
if ! curl -sf "http://127.0.0.1:$PORT/health" >/dev/null; then
  echo "ui-test: the server did not start"; tail -40 "$WORK/serve.log"; exit 1
fi

# The demo users' passwords, printed once by `serve --demo` under "login role password".
while read -r login password; do
  export "RAPPORT_UI_PASSWORD_${login^^}=$password"
done < <(awk '/^  login +role +password/ { table = 1; next } table && /^  [a-z]/ { print $1, $3; next } { table = 0 }' "$WORK/serve.log")
[ -n "${RAPPORT_UI_PASSWORD_AGENT:-}" ] || { echo "ui-test: no demo passwords in the server's log"; tail -40 "$WORK/serve.log"; exit 1; }

mkdir -p "$SHOTS"
if ! RAPPORT_UI_BASE_URL="http://127.0.0.1:$PORT" RAPPORT_UI_TOKEN="$TOKEN" RAPPORT_UI_SCREENSHOTS="$SHOTS" \
     timeout 300 python3 scripts/ui_test.py; then
  echo "--- server log (end)"; tail -40 "$WORK/serve.log"
  echo "ui-test: failures (screenshots and pages in $SHOTS)"; exit 1
fi
echo "ui-test: all browser checks passed (screenshots in $SHOTS)"
