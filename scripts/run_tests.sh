#!/usr/bin/env bash
# Run the suite on SQLite, then on PostgreSQL (each on a fresh database or schema), then the
# SQLite leg once more with the whole process's wall clock moved MOVED_CLOCK ahead (libfaketime),
# which proves no test depends on the day it runs. No PostgreSQL: warn loudly and run SQLite
# alone, unless REQUIRE_POSTGRES=1.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PG_URL=${TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
PYTEST_ARGS=${PYTEST_ARGS:-}
MOVED_CLOCK=${MOVED_CLOCK:-+400d}
MONOTONIC_SLEEP=.venv/lib/monotonic_sleep.so  # built by `make test` from scripts/monotonic_sleep.c

banner() { printf '\n==================== %s ====================\n' "$1"; }

pg_answers() {
    $PY - "$PG_URL" <<'PY' >/dev/null 2>&1
import sys
from sqlalchemy import create_engine, text
engine = create_engine(sys.argv[1], connect_args={"connect_timeout": 5})
with engine.connect() as conn:
    conn.execute(text("SELECT 1"))
PY
}

status=0
banner "SQLite"
env -u DATABASE_URL $PY -m pytest -p no:cacheprovider $PYTEST_ARGS tests || status=1

if pg_answers; then
    banner "PostgreSQL ($PG_URL)"
    DATABASE_URL="$PG_URL" $PY -m pytest -p no:cacheprovider $PYTEST_ARGS tests || status=1
else
    banner "WARNING"
    echo "!!! No PostgreSQL answers at $PG_URL."
    echo "!!! Only the SQLite leg ran. Set TEST_POSTGRES_URL or start PostgreSQL."
    if [ "${REQUIRE_POSTGRES:-0}" = "1" ]; then
        echo "!!! REQUIRE_POSTGRES=1: a missing PostgreSQL is a failure."
        status=1
    fi
fi
banner "SQLite, wall clock moved $MOVED_CLOCK (libfaketime; browser tests left out)"
FAKETIME_LIB=$(dpkg -L libfaketime 2>/dev/null | grep '/libfaketime.so.1$' | head -n 1 || true)
if [ -z "$FAKETIME_LIB" ] || [ ! -f "$MONOTONIC_SLEEP" ]; then
    echo "!!! The moved-clock leg cannot run: libfaketime or $MONOTONIC_SLEEP is missing (make test installs both)."
    status=1
else
    # Only the wall clock moves: a faked monotonic clock makes Python's timed waits hang, and the
    # shim sends monotonic sleeps straight to the kernel (see scripts/monotonic_sleep.c).
    # REAL_EPOCH lets the suite check, before any test, that the move took effect.
    REAL_EPOCH=$(date +%s) FAKETIME="$MOVED_CLOCK" FAKETIME_DONT_FAKE_MONOTONIC=1 \
        LD_PRELOAD="$PWD/$MONOTONIC_SLEEP:$FAKETIME_LIB" EXPECT_CLOCK_MOVED=1 \
        env -u DATABASE_URL $PY -m pytest -p no:cacheprovider $PYTEST_ARGS -m "not browser" tests \
        || status=1
fi
exit $status
