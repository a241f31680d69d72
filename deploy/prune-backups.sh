#!/bin/sh
# Keep the retention schedule of docs/deploy.md in a folder of dated backups
# (YYYY-MM-DDTHHMMZ): every backup of the last 7 days, the newest of each of the last 5 weeks
# (ISO weeks), and the newest of each of the last 12 months. Everything else is deleted.
# Usage: [PRUNE_TODAY=YYYY-MM-DD] prune-backups.sh DIR [--dry-run]
set -eu
dir=${1:?usage: prune-backups.sh DIR [--dry-run]}
dry=${2:-}
# PRUNE_TODAY=YYYY-MM-DD stands in for today (tests; a dry run "as of" another day).
now=$(date -u -d "${PRUNE_TODAY:-$(date -u +%F)}" +%s)
keep=$(mktemp)
trap 'rm -f "$keep"' EXIT
# Newest first; a backup without manifest.json is unfinished and left alone.
ls -1 "$dir" | grep -E '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{4}Z$' | sort -r | while read -r name; do
    [ -f "$dir/$name/manifest.json" ] || { echo "$name" >>"$keep"; continue; }
    day=${name%%T*}
    age=$(( (now - $(date -u -d "$day" +%s)) / 86400 ))
    week=$(date -u -d "$day" +%G-W%V)
    month=${day%-*}
    if [ "$age" -lt 7 ]; then
        echo "$name" >>"$keep"
    elif [ "$age" -lt 35 ]; then
        grep -qx "week:$week" "$keep" || { echo "week:$week" >>"$keep"; echo "$name" >>"$keep"; }
    elif [ "$age" -lt 366 ]; then
        grep -qx "month:$month" "$keep" || { echo "month:$month" >>"$keep"; echo "$name" >>"$keep"; }
    fi
done
ls -1 "$dir" | grep -E '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{4}Z$' | while read -r name; do
    grep -qx "$name" "$keep" && continue
    if [ "$dry" = "--dry-run" ]; then echo "would delete $dir/$name"; else rm -rf "${dir:?}/$name"; fi
done
