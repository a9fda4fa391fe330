#!/usr/bin/env bash
# An acknowledged write survives kill -9: start the server on a fresh SQLite file, write parties
# and interactions from concurrent clients, kill the process mid-load, restart it and check that
# every write that got a 201 is there.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/debug/rapport
WORK=$(mktemp -d /tmp/rapport-crash.XXXXXX)
PORT=${RAPPORT_CRASH_PORT:-18765}
PID=""
cleanup() { [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

start() {
  if curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then echo "port $PORT is already in use"; exit 1; fi
  RAPPORT_RATE_LIMIT=0 "$BIN" serve --database "$WORK/crash.sqlite" --port "$PORT" >"$WORK/serve.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && return 0; sleep 0.1; done
  echo "server did not start"; cat "$WORK/serve.log"; exit 1
}

# An integration's token (intake scope: it writes customers and reads nothing else but them back).
TOKEN=$("$BIN" admin token --database "$WORK/crash.sqlite" --name crash-test --scope intake --scope read | tail -1)
AUTH="Authorization: Bearer $TOKEN"
start
writer() {  # $1 = client number; records the id of every acknowledged party
  local n=0
  while [ $n -lt 400 ]; do
    body=$(printf '{"kind":"person","surname":"Crash%s","given_name":"N%s","identities":[{"kind":"phone","value":"+7 902 %03d %04d"}]}' "$1" "$n" "$1" "$n")
    out=$(curl -s -o "$WORK/resp.$1" -w '%{http_code}' -H 'content-type: application/json' -H "$AUTH" -d "$body" "http://127.0.0.1:$PORT/api/v1/parties" || true)
    if [ "$out" = "201" ]; then
      python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['id'])" "$WORK/resp.$1" >> "$WORK/acked.$1"
    fi
    n=$((n + 1))
  done
}
for c in 1 2 3 4; do writer $c & done
sleep 1.5
kill -9 "$PID"; PID=""
wait 2>/dev/null || true
cat "$WORK"/acked.* > "$WORK/acked" 2>/dev/null || true
ACKED=$(wc -l < "$WORK/acked")
[ "$ACKED" -gt 0 ] || { echo "crash test: no write was acknowledged before the kill"; exit 1; }

start
MISSING=0
while read -r id; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" "http://127.0.0.1:$PORT/api/v1/parties/$id")
  [ "$code" = "200" ] || MISSING=$((MISSING + 1))
done < "$WORK/acked"
kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
if [ "$MISSING" -ne 0 ]; then echo "crash test: $MISSING of $ACKED acknowledged writes lost after kill -9"; exit 1; fi
echo "crash test: all $ACKED acknowledged writes survived kill -9"
