#!/usr/bin/env bash
# Install the Debian packages named on the command line that are not installed yet.
# Waits for another apt/dpkg run on the machine to finish (up to APT_LOCK_TIMEOUT seconds)
# instead of failing on its lock, and refreshes the package lists only when one of the
# missing packages is not in them.
set -euo pipefail
missing=()
for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi
WAIT=${APT_LOCK_TIMEOUT:-600}
LOCK=(-o "DPkg::Lock::Timeout=$WAIT")

in_lists() {  # every package has an install candidate in the current lists
    local pkg
    for pkg in "$@"; do
        apt-cache policy "$pkg" 2>/dev/null | grep -q 'Candidate: [^(]' || return 1
    done
}

update_lists() {  # apt-get update ignores DPkg::Lock::Timeout for the lists lock: retry
    local waited=0 log
    log=$(mktemp)
    until $SUDO apt-get "${LOCK[@]}" update -qq >"$log" 2>&1; do
        if ! grep -q "Could not get lock" "$log" || [ "$waited" -ge "$WAIT" ]; then
            cat "$log" >&2
            rm -f "$log"
            return 1
        fi
        [ "$waited" -eq 0 ] && echo "Another apt run holds the package lists; waiting (up to ${WAIT}s)..."
        sleep 3
        waited=$((waited + 3))
    done
    rm -f "$log"
}

if ! in_lists "${missing[@]}"; then
    update_lists
fi
DEBIAN_FRONTEND=noninteractive $SUDO apt-get "${LOCK[@]}" install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
