#!/usr/bin/env bash
# Three Rapport nodes on one PostgreSQL, one killed with -9 mid-load. Nodes 1 and 3 serve HTTP only
# (`serve --no-workers`), node 2 serves HTTP and sends, and a fourth process, `rapport worker`,
# sends without HTTP; after node 2's death only the worker is left to send:
#  - no acknowledged write lost: inbound contacts are recorded round-robin over the three nodes
#    from several threads; node 2 is killed a few seconds in; every contact a node acknowledged
#    (201) must be readable afterwards;
#  - no outbox message lost or sent twice: a flight delay has queued RAPPORT_MULTINODE_N messages
#    (default 1500) that node 2 and the worker dispatch together to a local SMS gateway honouring the
#    idempotency key (it fails some requests on purpose); every message must reach it once
#    (repeats of the killed node's claims are dropped by their key) and be recorded as sent;
#  - live events reach the right agent: the agent's browser is connected to node 3, the call is
#    posted to node 1; node 3's stream must show the offer with the caller's card.
# Needs RAPPORT_TEST_POSTGRES_URL (scripts/test.sh starts a server and sets it); skipped without.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${RAPPORT_BIN:-.build/debug/rapport}
N=${RAPPORT_MULTINODE_N:-1500}
BASEPORT=${RAPPORT_MULTINODE_PORT:-18780}
GWPORT=$((BASEPORT + 9))
if [ -z "${RAPPORT_TEST_POSTGRES_URL:-}" ]; then echo "multi-node test skipped: RAPPORT_TEST_POSTGRES_URL is not set"; exit 0; fi
PSQL=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)/psql
[ -x "$PSQL" ] || PSQL=psql
DBNAME="rapport_multinode_$$"
URL="${RAPPORT_TEST_POSTGRES_URL%/*}/$DBNAME"
WORK=$(mktemp -d /tmp/rapport-multinode.XXXXXX)
PIDS=("" "" "" "" ""); GW=""; SSE=""; LOAD=""
cleanup() {
  [ -n "$LOAD" ] && kill "$LOAD" 2>/dev/null || true
  for p in "${PIDS[@]}"; do [ -n "$p" ] && { kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; } || true; done
  [ -n "$SSE" ] && kill "$SSE" 2>/dev/null || true
  [ -n "$GW" ] && kill "$GW" 2>/dev/null || true
  "$PSQL" "$RAPPORT_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $DBNAME WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "multi-node test: $*"; for i in 1 2 3 4; do echo "--- node $i log (tail)"; tail -15 "$WORK/node$i.log" 2>/dev/null || true; done; exit 1; }

"$PSQL" "$RAPPORT_TEST_POSTGRES_URL" -qc "CREATE DATABASE $DBNAME" >/dev/null
python3 scripts/sms-receiver.py --port "$GWPORT" --fail-every 11 >"$WORK/gateway.log" 2>&1 &
GW=$!
for _ in $(seq 1 50); do grep -q ready "$WORK/gateway.log" 2>/dev/null && break; sleep 0.1; done
field() { python3 -c "import json,sys; v=json.loads(sys.argv[1]); [v:=v[k] for k in sys.argv[2].split('.')]; print(v)" "$1" "$2"; }

# The flight and its queued messages, and an admin token, on the shared database.
"$BIN" bench fanout --passengers "$N" --database "$URL" --json >"$WORK/fanout.json"
QUEUED=$(field "$(tail -1 "$WORK/fanout.json")" queued_sms)
TOKEN=$("$BIN" admin token --database "$URL" --name multinode --scope admin | tail -1)
AUTH="Authorization: Bearer $TOKEN"

start() {  # node number, then the command: serve [--no-workers] or worker
  local n=$1; shift
  local role=("$@")
  [ "$1" = serve ] && role+=(--port $((BASEPORT + n)))
  RAPPORT_RATE_LIMIT=0 RAPPORT_SMS_GATEWAY_URL="http://127.0.0.1:$GWPORT/sms" RAPPORT_OUTBOX_LEASE_SECONDS=2 \
  RAPPORT_OUTBOX_RETRY_SECONDS=0.2 RAPPORT_OUTBOX_BATCH=50 RAPPORT_OUTBOX_CONCURRENCY=8 \
    "$BIN" "${role[@]}" --database "$URL" >>"$WORK/node$n.log" 2>&1 &
  PIDS[$n]=$!
}
wait_up() { for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$((BASEPORT + $1))/health" >/dev/null && return 0; sleep 0.1; done; fail "node $1 did not start"; }
start 1 serve --no-workers; start 2 serve; start 3 serve --no-workers; start 4 worker
wait_up 1; wait_up 2; wait_up 3
grep -q "worker running" "$WORK/node4.log" 2>/dev/null || sleep 1
api() { local node=$1 method=$2 path=$3; shift 3; curl -sf -X "$method" -H "$AUTH" -H 'Content-Type: application/json' "http://127.0.0.1:$((BASEPORT + node))/api/v1$path" "$@"; }

# A caller, a queue and an agent; the agent's screen is open on node 3.
api 1 POST /parties -d '{"kind":"person","surname":"Петров","given_name":"Иван","identities":[{"kind":"phone","value":"+7 916 123 45 67"}]}' >/dev/null
api 1 POST /queues -d '{"key":"retail","name":"Retail","channel":"phone","skills":["ru"]}' >/dev/null
AGENT=$(field "$(api 2 POST /agents -d '{"key":"anna","display_name":"Anna","skills":["ru"]}')" id)
curl -sN -H "$AUTH" "http://127.0.0.1:$((BASEPORT + 3))/api/v1/live/agent?agent_id=$AGENT" >"$WORK/screen.txt" 2>/dev/null &
SSE=$!
for _ in $(seq 1 50); do grep -q "event: agent_state" "$WORK/screen.txt" 2>/dev/null && break; sleep 0.1; done
api 2 PUT "/agents/$AGENT/state" -d '{"state":"available"}' >/dev/null

# Load over the three nodes; node 2 dies three seconds in.
PORTS="$((BASEPORT + 1)),$((BASEPORT + 2)),$((BASEPORT + 3))"
python3 scripts/multinode_load.py --ports "$PORTS" --token "$TOKEN" --seconds 9 --threads 6 --out "$WORK/acked.txt" >"$WORK/load.json" &
LOAD=$!
sleep 3
kill -9 "${PIDS[2]}" || fail "node 2 was already gone before the kill"
wait "${PIDS[2]}" 2>/dev/null || true; PIDS[2]=""
AT_KILL=$(field "$(curl -sf "http://127.0.0.1:$GWPORT/stats")" unique)
[ "$AT_KILL" -lt "$QUEUED" ] || fail "every message was sent before node 2 was killed; raise RAPPORT_MULTINODE_N"
wait "$LOAD" || fail "the load saw errors other than a refused connection: $(cat "$WORK/load.json")"
LOAD=""
LOADED=$(cat "$WORK/load.json")

# The call arrives on node 1; Anna's screen on node 3 must pop it with Ivan's card.
api 1 POST /cti/events -d '{"events":[{"event_id":"mn-1","type":"offered","contact_id":"call-mn","channel":"phone","address":"8 916 123 45 67"},{"event_id":"mn-2","type":"queued","contact_id":"call-mn","queue":"retail"}]}' >"$WORK/cti.json" \
  || fail "node 1 refused the call's events"
for _ in $(seq 1 100); do grep -q '"external_id":"call-mn"' "$WORK/screen.txt" && break; sleep 0.1; done
grep -q "event: offer" "$WORK/screen.txt" && grep -q '"external_id":"call-mn"' "$WORK/screen.txt" \
  || fail "the offer did not reach the agent's stream on node 3 (routing answer: $(cat "$WORK/cti.json"))"
grep -q 'Петров Иван' "$WORK/screen.txt" || fail "the offer on node 3 came without the caller's card"

# Every acknowledged write is there.
python3 scripts/multinode_load.py --ports "$((BASEPORT + 3))" --token "$TOKEN" --verify "$WORK/acked.txt" >"$WORK/verify.json" \
  || fail "acknowledged writes missing: $(cat "$WORK/verify.json")"

# The worker finishes the dispatch alone, node 2's claims included once their leases run out.
kill -0 "${PIDS[4]}" 2>/dev/null || fail "the worker process ended"
left=1
for _ in $(seq 1 1200); do
  OB=$(api 1 GET "/outbox?channel=sms")
  left=$(python3 -c "import json,sys; c=json.loads(sys.argv[1])['counts']; print(c['queued']+c['sending'])" "$OB")
  [ "$left" = 0 ] && break
  sleep 0.1
done
SENT=$(field "$OB" counts.sent); DEAD=$(field "$OB" counts.dead)
FINAL=$(curl -sf "http://127.0.0.1:$GWPORT/stats")
UNIQUE=$(field "$FINAL" unique); REPEATS=$(field "$FINAL" repeats)
echo "multi-node test: 3 nodes and a worker; load $LOADED, all acknowledged writes read back; $QUEUED messages queued, $AT_KILL at the gateway when node 2 was killed, $UNIQUE unique at the end ($REPEATS repeats dropped by idempotency key); the offer reached node 3's agent stream"
[ "$left" = 0 ] || fail "$left messages still waiting"
[ "$UNIQUE" = "$QUEUED" ] || fail "expected $QUEUED messages at the gateway, got $UNIQUE"
[ "$SENT" = "$QUEUED" ] && [ "$DEAD" = 0 ] || fail "$SENT of $QUEUED recorded as sent, $DEAD dead"
[ "$(field "$LOADED" acknowledged)" -gt 0 ] || fail "no write was acknowledged"
