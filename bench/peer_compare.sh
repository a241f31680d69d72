#!/usr/bin/env bash
# One side-by-side run with ../shared/peers' formload: SIDE (ours|helpdesk), MODE (text|photo), LABEL.
# Starts that side's server, runs REQUESTS (default 400) submissions at concurrency 8, prints the
# count check, stops it.
# Usage: [REQUESTS=1200] bench/peer_compare.sh ours text ours-text1
set -euo pipefail
cd "$(dirname "$0")/.."
SIDE=$1 MODE=$2 LABEL=$3 REQUESTS=${REQUESTS:-400}
PEERS=$(cd ../../shared/peers 2>/dev/null && pwd || echo /work/shared/peers)
PY=/tmp/peer-formload/venv/bin/python
JPEG=/tmp/peer-formload/photo-200k.jpg
OUT=/tmp/peer-formload/results
mkdir -p "$OUT"
[[ -f $JPEG ]] || $PY "$PEERS/make_jpeg.py" --kb 200 --out "$JPEG"
FILE=()
if [[ $SIDE == ours ]]; then
  TOKEN=$(bench/serve_ours.sh 8802)
  [[ $MODE == photo ]] && FILE=(--file "photos=$JPEG")
  ARGS=(--url-get "http://127.0.0.1:8802/q/$TOKEN" --csrf-field csrf_token --expect-status 303
        --field category=other --field 'content=Load test {run} #{n}: submitted by formload.'
        --field 'contact_phone=13800000000')
else
  (cd "$PEERS" && ./helpdesk_start.sh >/dev/null)
  Q=$(cat /tmp/peer-helpdesk/queue_id)
  [[ $MODE == photo ]] && FILE=(--file "attachment=$JPEG")
  ARGS=(--url-get http://127.0.0.1:8801/helpdesk/tickets/submit/ --csrf-field csrfmiddlewaretoken
        --expect-status 302 --field "queue=$Q" --field 'title=Load test {run} #{n}'
        --field 'body=Submitted by formload: submission {n} of run {run}.' --field priority=3
        --field 'submitter_email=a{n}@example.com')
fi
# Server CPU (the workers' user+system time) per submission: steadier than wall-clock
# throughput on a machine other sessions share.
MASTER=$([[ $SIDE == ours ]] && cat /tmp/msb-bench/gunicorn.pid || cat /tmp/peer-helpdesk/gunicorn.pid)
worker_ticks() { for p in $(pgrep -P "$MASTER"); do awk '{print $14 + $15}' "/proc/$p/stat"; done | paste -sd+ | bc; }
TICKS0=$(worker_ticks)
echo "== $LABEL  $(uptime | sed 's/.*load average/load/')"
set +e
$PY "$PEERS/formload.py" "${ARGS[@]}" "${FILE[@]}" --concurrency 8 --requests "$REQUESTS" --duration 300 \
  --label "$LABEL" --json-out "$OUT/$LABEL.json" | grep -E "throughput|POST|errors|run" | head -8
set -e
TICKS1=$(worker_ticks)
CPU_MS=$(echo "scale=1; ($TICKS1 - $TICKS0) * 1000 / $(getconf CLK_TCK) / $REQUESTS" | bc)
RUN=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['run_id'])" "$OUT/$LABEL.json")
if [[ $SIDE == ours ]]; then
  /work/main/.venv/bin/python bench/ours_count.py "$RUN"
  kill "$(cat /tmp/msb-bench/gunicorn.pid)"; sleep 1
else
  "$PEERS/helpdesk_count.sh" "$RUN"
  (cd "$PEERS" && ./helpdesk_stop.sh >/dev/null)
fi
python3 - "$OUT/$LABEL.json" "$CPU_MS" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"RESULT {r['label']}: {r['submissions_per_s']}/s server_cpu_ms/submission={sys.argv[2]} "
      f"ok={r['ok']} errors={r['errors']} "
      f"post p50={r['post_ms']['p50']} p99={r['post_ms']['p99']} get p50={r['get_ms']['p50']} "
      f"run={r['run_id']} {dict(r['error_kinds'])}")
PY
