#!/usr/bin/env bash
# The benchmark suite: every scenario of `rapport bench` in a row against one data set, one JSON
# line each (appended to RESULTS, default bench-results.jsonl), on SQLite or PostgreSQL.
#
#   scripts/bench-suite.sh sqlite                                   # ./bench-data/…sqlite
#   scripts/bench-suite.sh postgres://user:pw@127.0.0.1:5432/rapport_bench
#
# RAPPORT_BENCH_PARTIES / _INTERACTIONS (1 000 000 / 10 000 000) size the data set, generated on
# the first run and reused after. The fan-out and dispatch need an empty database of their own:
# on SQLite a fresh file, on PostgreSQL a database named like the given one with `_fanout`
# appended, created here (and dropped first when it exists). SCENARIOS overrides the list;
# tariff-offers (30 M call records) runs only when listed. Needs a release build (RAPPORT_BIN,
# default .build-release/release/rapport), and wrk and nginx for the HTTP scenarios.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=${1:?usage: scripts/bench-suite.sh sqlite|postgres://…}
BIN=${RAPPORT_BIN:-.build-release/release/rapport}
PARTIES=${RAPPORT_BENCH_PARTIES:-1000000}
INTERACTIONS=${RAPPORT_BENCH_INTERACTIONS:-10000000}
RESULTS=${RESULTS:-bench-results.jsonl}
SCENARIOS=${SCENARIOS:-"identify identify-http write timeline search auth cti-events routing service-figures ranking segment-count export card-page fanout dispatch"}

if [ "$TARGET" = sqlite ]; then
  DB=()
  FANOUT_DB="./bench-data/rapport-fanout-$$.sqlite"
  ENGINE=sqlite
else
  DB=(--database "$TARGET")
  FANOUT_URL="${TARGET%%\?*}_fanout"
  FANOUT_DB="$FANOUT_URL"
  ENGINE=postgres
  PSQL=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)/psql
  [ -x "$PSQL" ] || PSQL=psql
  ADMIN_URL="${TARGET%/*}/postgres"
  FANOUT_NAME="${FANOUT_URL##*/}"
fi

run() {  # scenario, extra arguments…
  local scenario=$1; shift
  echo "== $scenario ($ENGINE)" >&2
  local line
  if line=$("$BIN" bench "$scenario" --parties "$PARTIES" --interactions "$INTERACTIONS" "$@" --json | tail -1); then
    echo "{\"engine\":\"$ENGINE\",\"at\":\"$(date -u +%FT%TZ)\",${line#\{}" | tee -a "$RESULTS"
  else
    echo "{\"engine\":\"$ENGINE\",\"scenario\":\"$scenario\",\"failed\":true}" | tee -a "$RESULTS"
  fi
}

fresh_fanout_db() {
  if [ "$ENGINE" = sqlite ]; then
    rm -f "$FANOUT_DB" "$FANOUT_DB-wal" "$FANOUT_DB-shm"
  else
    "$PSQL" "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $FANOUT_NAME WITH (FORCE)" >/dev/null
    "$PSQL" "$ADMIN_URL" -qc "CREATE DATABASE $FANOUT_NAME" >/dev/null
  fi
}

[ "$ENGINE" = sqlite ] && trap 'rm -f "$FANOUT_DB" "$FANOUT_DB-wal" "$FANOUT_DB-shm"' EXIT
for scenario in $SCENARIOS; do
  case $scenario in
    fanout) fresh_fanout_db; run fanout --database "$FANOUT_DB" ;;
    dispatch) fresh_fanout_db; run dispatch --database "$FANOUT_DB" ;;
    *) run "$scenario" "${DB[@]}" ;;
  esac
done
