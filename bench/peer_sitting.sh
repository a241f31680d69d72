#!/usr/bin/env bash
# A sitting of the peer comparison: N alternating pairs (django-helpdesk, then ours) per mode,
# each one bench/peer_compare.sh run (REQUESTS submissions, concurrency 8), then a table of the
# pairs with their ratios (ours / helpdesk submissions per second) and POST p99s, and the
# sitting's pooled ratio: each side's successes over all its runs ÷ its runs' wall time.
# REQUESTS defaults to 1,200 here: at 400 our runs lasted ~4 s, where a worker's first-request
# work (~40 ms each) and one scheduling hiccup moved a run's rate by several per cent; 1,200
# gives ~11 s runs on our side (~35 s on theirs), and a steadier rate for both.
# Both sides start from empty databases (FRESH=0 keeps them): their rates drifted as the
# databases grew over a day's sittings (helpdesk's photo rate 18.7–19.9/s fresh, 16.7–17.3/s
# at 11,000 tickets), so every sitting starts from the same place.
# Usage: bench/peer_sitting.sh LABEL [PAIRS] [MODES]   e.g. bench/peer_sitting.sh s3 4 "text photo"
set -euo pipefail
cd "$(dirname "$0")/.."
LABEL=$1 PAIRS=${2:-3} MODES=${3:-text photo}
export REQUESTS=${REQUESTS:-1200}
OUT=/tmp/peer-formload/results
PEERS=$(cd ../../shared/peers 2>/dev/null && pwd || echo /work/shared/peers)
if [[ ${FRESH:-1} == 1 ]]; then
  (cd "$PEERS" && ./helpdesk_setup.sh --reset >/dev/null)
  rm -rf /tmp/msb-bench/bench.sqlite3* /tmp/msb-bench/media
fi
for i in $(seq "$PAIRS"); do
  for mode in $MODES; do
    bench/peer_compare.sh helpdesk "$mode" "$LABEL-hd-$mode$i" | grep -E "RESULT|cases=|tickets="
    bench/peer_compare.sh ours "$mode" "$LABEL-ours-$mode$i" | grep -E "RESULT|cases=|tickets="
  done
done
python3 - "$OUT" "$LABEL" "$PAIRS" $MODES <<'PY'
import json, statistics, sys
out, label, pairs, modes = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
print(f"\nsitting {label}: ours / helpdesk, submissions per second (POST p99 ms)")
for mode in modes:
    ratios, ok, wall = [], {"hd": 0, "ours": 0}, {"hd": 0.0, "ours": 0.0}
    for i in range(1, pairs + 1):
        hd, ours = (json.load(open(f"{out}/{label}-{side}-{mode}{i}.json")) for side in ("hd", "ours"))
        ratio = ours["submissions_per_s"] / hd["submissions_per_s"]
        for side, run in (("hd", hd), ("ours", ours)):
            ok[side] += run["ok"]
            wall[side] += run["wall_s"]
        ratios.append(ratio)
        lower = "lower" if ours["post_ms"]["p99"] < hd["post_ms"]["p99"] else "NOT lower"
        print(f"  {mode} {i}: {ours['submissions_per_s']:7.2f} / {hd['submissions_per_s']:6.2f}"
              f" = {ratio:.2f}x   p99 {ours['post_ms']['p99']} vs {hd['post_ms']['p99']} ({lower})"
              f"   errors {ours['errors']}/{hd['errors']}")
    pooled = {side: ok[side] / wall[side] for side in ok}
    print(f"  {mode}: min {min(ratios):.2f}x  median {statistics.median(ratios):.2f}x  "
          f"max {max(ratios):.2f}x  pooled {pooled['ours']:.2f} / {pooled['hd']:.2f} = "
          f"{pooled['ours'] / pooled['hd']:.2f}x")
PY
