#!/usr/bin/env bash
# Runs the whole test suite. Starts a throwaway PostgreSQL on 127.0.0.1 (installing it from
# Debian's packages when missing and when running as root) so the storage contract tests also
# run on PostgreSQL, and a real SMTP server (aiosmtpd, with STARTTLS and AUTH) for the e-mail
# channel's tests; stops both afterwards. Without them the SQLite half and the rest still run.
# Then the crash tests (one node; three nodes on the PostgreSQL, one killed mid-load).
# Last come the API fuzzing and the browser tests of the pages (each starts a server of its own).
set -euo pipefail
cd "$(dirname "$0")/.."

PGROOT=""
SMTPROOT=""
SMTPPID=""
cleanup() {
  if [ -n "$PGROOT" ] && [ -d "$PGROOT" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGROOT/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PGROOT"
  fi
  if [ -n "$SMTPPID" ]; then kill "$SMTPPID" 2>/dev/null || true; wait "$SMTPPID" 2>/dev/null || true; fi
  if [ -n "$SMTPROOT" ]; then rm -rf "$SMTPROOT"; fi
}
trap cleanup EXIT

start_postgres() {
  if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "Installing PostgreSQL from Debian's packages…"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    else
      echo "PostgreSQL is not installed; the PostgreSQL half of the storage tests is skipped."; return 0
    fi
  fi
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  PGPORT=${RAPPORT_TEST_PGPORT:-54329}
  PGROOT=$(mktemp -d /tmp/rapport-ci-pg.XXXXXX)
  chown postgres:postgres "$PGROOT"; chmod 700 "$PGROOT"
  echo rapport > "$PGROOT/pw"; chown postgres "$PGROOT/pw"
  runuser -u postgres -- "$PGBIN/initdb" -D "$PGROOT/data" -U postgres --pwfile="$PGROOT/pw" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-sync >/dev/null
  # Each storage test opens a pool of its own on a database of its own, many at once: the default
  # 100 connections ran out (the tests retried through it, noisily).
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGROOT -c fsync=off -c max_connections=300" start >/dev/null
  runuser -u postgres -- "$PGBIN/psql" -h "$PGROOT" -p "$PGPORT" -U postgres -qc 'CREATE DATABASE rapport_test'
  export RAPPORT_TEST_POSTGRES_URL="postgres://postgres:rapport@127.0.0.1:$PGPORT/rapport_test"
  echo "PostgreSQL test server on 127.0.0.1:$PGPORT"
}

start_smtp() {
  if ! /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "Installing python3-aiosmtpd from Debian's packages…"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-aiosmtpd >/dev/null
    else
      echo "python3-aiosmtpd is not installed; the e-mail channel's tests are skipped."; return 0
    fi
  fi
  SMTPROOT=$(mktemp -d /tmp/rapport-smtp.XXXXXX)
  mkdir -p "$SMTPROOT/mail"
  scripts/make-test-cert.sh "$SMTPROOT" >/dev/null
  local port=${RAPPORT_TEST_SMTP_PORT:-12525}
  /usr/bin/python3 scripts/smtp-server.py --host 127.0.0.1 --port "$port" --maildir "$SMTPROOT/mail" \
    --cert "$SMTPROOT/cert.pem" --key "$SMTPROOT/key.pem" --require-tls --user rapport --password s3cret \
    --fail-rcpt-domain fail.test >"$SMTPROOT/server.log" 2>&1 &
  SMTPPID=$!
  for _ in $(seq 1 100); do grep -q ready "$SMTPROOT/server.log" 2>/dev/null && break; sleep 0.1; done
  grep -q ready "$SMTPROOT/server.log" || { echo "SMTP test server did not start"; cat "$SMTPROOT/server.log"; exit 1; }
  export RAPPORT_TEST_SMTP_PORT=$port RAPPORT_TEST_SMTP_MAILDIR="$SMTPROOT/mail" RAPPORT_TEST_SMTP_CA="$SMTPROOT/cert.pem"
  export RAPPORT_TEST_SMTP_USER=rapport RAPPORT_TEST_SMTP_PASSWORD=s3cret
  echo "SMTP test server (STARTTLS, AUTH) on 127.0.0.1:$port"
}
start_smtp

if [ -z "${RAPPORT_TEST_POSTGRES_URL:-}" ]; then
  if [ "$(id -u)" = 0 ]; then start_postgres; else echo "Not root: PostgreSQL tests run only if RAPPORT_TEST_POSTGRES_URL is set."; fi
fi

swift build --build-tests --explicit-target-dependency-import-check=error
swift test --skip-build --disable-xctest
scripts/crash-test.sh
scripts/dispatch-crash-test.sh
scripts/multinode-test.sh
scripts/fuzz-api.sh
scripts/ui-test.sh
