#!/usr/bin/env bash
# Start our app like the peer: gunicorn, 2 sync workers, SQLite, rate limits off (a bench).
# Usage: bench/serve_ours.sh PORT  -> prints the card token; pid in /tmp/msb-bench/gunicorn.pid
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${1:-8802}
DIR=/tmp/msb-bench
mkdir -p "$DIR"
export DATABASE_URL="sqlite:///$DIR/bench.sqlite3" MEDIA_ROOT="$DIR/media" RATELIMIT_ENABLED=0 \
       SECRET_KEY=bench-only-secret LOGLEVEL=warning
PY=/work/main/.venv/bin/python
TOKEN=$($PY bench/make_card.py 2>/dev/null | tail -1)
/work/main/.venv/bin/gunicorn --workers 2 ${GUNICORN_OPTS:-} --bind 127.0.0.1:$PORT --pid $DIR/gunicorn.pid \
  --daemon --capture-output --error-logfile $DIR/gunicorn.log wsgi:app
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/q/$TOKEN" && break; sleep 0.2; done
echo "$TOKEN"
