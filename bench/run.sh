#!/usr/bin/env bash
# `make bench-search`: the search benchmark on SQLite and on PostgreSQL.
# PostgreSQL: BENCH_DATABASE_URL if set (its user needs CREATEDB); otherwise, as root
# with postgresql-15 installed (.ci/run installs it), a throwaway server on a free
# port from BENCH_PG_PORT (default 56150) with its data in a temporary folder,
# stopped on exit. Without either, only SQLite is measured.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_BIN=/usr/lib/postgresql/15/bin
if [[ -z "${BENCH_DATABASE_URL:-}" && ",${BENCH_BACKENDS:-sqlite,postgresql}," == *,postgresql,* \
      && -x "$PG_BIN/initdb" && "$(id -u)" == 0 ]]; then
  PG_DIR=$(mktemp -d)
  chown postgres:postgres "$PG_DIR"
  PG_PORT=${BENCH_PG_PORT:-56150}
  while ss -Hltn "sport = :$PG_PORT" | grep -q .; do PG_PORT=$((PG_PORT + 1)); done
  stop_postgres() {
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  }
  trap stop_postgres EXIT
  runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 >/dev/null
  # Benchmark data is disposable: durability settings off, as in .ci/run.
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w start \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=512MB -c maintenance_work_mem=512MB" >/dev/null
  runuser -u postgres -- "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -q \
    -c "CREATE ROLE flse_bench LOGIN PASSWORD 'flse_bench' CREATEDB"
  export BENCH_DATABASE_URL="postgres://flse_bench:flse_bench@127.0.0.1:$PG_PORT/postgres"
  echo "== PostgreSQL 15 for the benchmark on port $PG_PORT"
fi

# Not `exec`: the EXIT trap must still stop the server afterwards.
.venv/bin/python "${BENCH_SCRIPT:-bench/search_benchmark.py}" "$@"
