#!/usr/bin/env bash
# Run the suite on SQLite, then on PostgreSQL (each on a fresh database or schema).
# No PostgreSQL: warn loudly and run SQLite alone, unless REQUIRE_POSTGRES=1.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PG_URL=${TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
PYTEST_ARGS=${PYTEST_ARGS:-}

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
exit $status
