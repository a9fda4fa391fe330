#!/usr/bin/env bash
# Property-based API fuzzing from the OpenAPI document: starts Rapport on a fresh SQLite file with
# the demo data, lets schemathesis generate valid and invalid requests for every operation, and
# fails if any answer is a server error (5xx) or a 2xx/4xx that breaks the documented schema.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${RAPPORT_FUZZ_PORT:-18201}
EXAMPLES=${RAPPORT_FUZZ_EXAMPLES:-25}
WORK=$(mktemp -d /tmp/rapport-fuzz.XXXXXX)
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

if ! command -v schemathesis >/dev/null 2>&1; then
  if ! python3 -m pip install -q --disable-pip-version-check schemathesis >/dev/null 2>&1; then
    echo "fuzz-api: schemathesis could not be installed from PyPI; API fuzzing NOT run"; exit 0
  fi
fi
# An administrator's API token, so that every operation is reachable (sign-in itself is fuzzed too).
TOKEN=$(.build/debug/rapport admin token --database "$WORK/fuzz.sqlite" --name fuzz --scope admin | tail -1)
RAPPORT_RATE_LIMIT=5000 RAPPORT_LIVE_STREAM_SECONDS=1 .build/debug/rapport serve --demo --database "$WORK/fuzz.sqlite" --port "$PORT" >"$WORK/serve.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
fuzz() {
  schemathesis --config-file scripts/schemathesis.toml run "http://127.0.0.1:$PORT/openapi.yaml" -H "Authorization: Bearer $TOKEN" \
    --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
    --max-examples "$EXAMPLES" --workers 2 --seed "$1" >"$WORK/st.log" 2>&1
}
fail() {
  # The failures come first in schemathesis's report, the summary last: show both, and the server's log end.
  head -150 "$WORK/st.log"; echo "[…]"; tail -60 "$WORK/st.log"; echo "--- server log (end)"; tail -40 "$WORK/serve.log"
  mkdir -p artifacts && cp "$WORK/st.log" artifacts/fuzz-report.txt && cp "$WORK/serve.log" artifacts/fuzz-server.log  # the whole report, kept
  echo "fuzz-api: failures"; exit 1
}
# A report with errors but no failed check is schemathesis failing inside its own test generation
# ("Runtime Error": Hypothesis "Inconsistent results" while drawing a boundary example for a schema
# with nested arrays of objects — seen on POST /campaigns and PUT /matching-rules): run again with
# another seed, up to three seeds in all. Any failed check — a server error, a response outside the
# document — fails at once.
passed=""
for seed in 42 43 44; do
  if fuzz "$seed"; then passed=yes; break; fi
  if grep -q "^Failures:" "$WORK/st.log" || ! grep -q "Runtime Error" "$WORK/st.log"; then fail; fi
  echo "fuzz-api: schemathesis failed inside its own generation with seed $seed (no check failed)"
  grep -A3 "^____" "$WORK/st.log" | head -8
done
[ -n "$passed" ] || fail
grep -E "generated" "$WORK/st.log" | tail -1
echo "fuzz-api: no server errors and no schema violations"
