#!/usr/bin/env bash
# No message lost or delivered twice across kill -9: a flight delay queues a message for every
# passenger who agreed (RAPPORT_DISPATCH_CRASH_N passengers, default 2000; `rapport bench fanout`
# makes the flight; the SMS ones are counted), `rapport serve` starts sending them to a local SMS gateway that fails some requests and
# honours the idempotency key, the server is killed with -9 mid-dispatch and started again; then
# every queued message must have reached the gateway exactly once (repeats after the crash are
# dropped by their key) and be recorded as sent.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${RAPPORT_BIN:-.build/debug/rapport}
N=${RAPPORT_DISPATCH_CRASH_N:-2000}
PORT=${RAPPORT_DISPATCH_CRASH_PORT:-18766}
GWPORT=${RAPPORT_DISPATCH_GATEWAY_PORT:-18767}
WORK=$(mktemp -d /tmp/rapport-dispatch.XXXXXX)
PID=""; GW=""
cleanup() {
  [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null || true
  [ -n "$GW" ] && kill "$GW" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

python3 scripts/sms-receiver.py --port "$GWPORT" --fail-every 9 >"$WORK/gateway.log" 2>&1 &
GW=$!
for _ in $(seq 1 50); do grep -q ready "$WORK/gateway.log" 2>/dev/null && break; sleep 0.1; done
stats() { curl -sf "http://127.0.0.1:$GWPORT/stats"; }
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }

"$BIN" bench fanout --passengers "$N" --database "$WORK/d.sqlite" --json >"$WORK/fanout.json"
QUEUED=$(field "$(tail -1 "$WORK/fanout.json")" queued_sms)
TOKEN=$("$BIN" admin token --database "$WORK/d.sqlite" --name dispatch-crash --scope admin | tail -1)

start() {
  RAPPORT_RATE_LIMIT=0 RAPPORT_SMS_GATEWAY_URL="http://127.0.0.1:$GWPORT/sms" RAPPORT_OUTBOX_LEASE_SECONDS=2 \
  RAPPORT_OUTBOX_RETRY_SECONDS=0.2 RAPPORT_OUTBOX_BATCH=100 RAPPORT_OUTBOX_CONCURRENCY=16 \
    "$BIN" serve --database "$WORK/d.sqlite" --port "$PORT" >>"$WORK/serve.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && return 0; sleep 0.1; done
  echo "server did not start"; cat "$WORK/serve.log"; exit 1
}

start
# Kill it once about a third has reached the gateway.
for _ in $(seq 1 600); do
  [ "$(field "$(stats)" unique)" -ge $((QUEUED / 3)) ] && break
  sleep 0.05
done
kill -9 "$PID"; wait "$PID" 2>/dev/null || true; PID=""
AT_KILL=$(field "$(stats)" unique)
[ "$AT_KILL" -lt "$QUEUED" ] || { echo "dispatch crash test: everything was sent before the kill; raise RAPPORT_DISPATCH_CRASH_N"; exit 1; }

start
outbox() { curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/outbox?channel=sms"; }
for _ in $(seq 1 1200); do
  OB=$(outbox)
  left=$(python3 -c "import json,sys; c=json.loads(sys.argv[1])['counts']; print(c['queued']+c['sending'])" "$OB")
  [ "$left" = 0 ] && break
  sleep 0.1
done
kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
SENT=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['counts']['sent'])" "$OB")
DEAD=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['counts']['dead'])" "$OB")
FINAL=$(stats)
UNIQUE=$(field "$FINAL" unique); REPEATS=$(field "$FINAL" repeats); FAILED=$(field "$FINAL" failed)
echo "dispatch crash test: $QUEUED queued, $AT_KILL delivered before kill -9; after restart the gateway holds $UNIQUE unique messages ($REPEATS repeats dropped by idempotency key, $FAILED requests failed on purpose)"
[ "$UNIQUE" = "$QUEUED" ] || { echo "dispatch crash test: expected $QUEUED messages at the gateway, got $UNIQUE"; tail -20 "$WORK/serve.log"; exit 1; }
[ "${left:-1}" = 0 ] || { echo "dispatch crash test: $left messages still waiting"; exit 1; }
[ "$SENT" = "$QUEUED" ] && [ "$DEAD" = 0 ] || { echo "dispatch crash test: $SENT of $QUEUED recorded as sent, $DEAD dead"; exit 1; }
