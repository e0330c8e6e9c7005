#!/usr/bin/env bash
# Measures how long `coffre` calls take, start to exit (docs/performance.md, "CLI start time"):
#
#   deploy/bench/cli-start.sh [-n RUNS] [-b OTHER_CHECKOUT] -- COFFRE_ARGS...
#   e.g. deploy/bench/cli-start.sh -n 10 -b /tmp/base -- keys list --cli-config .dev/cli-admin.properties
#
# Runs RUNS calls of deploy/bin/coffre COFFRE_ARGS (after one untimed call, which makes the CDS
# archive if needed) and prints the median and range of the wall time and of the CPU time
# (user + system), with the load average. With -b, the same calls through OTHER_CHECKOUT's
# deploy/bin/coffre run interleaved with these, so both see the same load (on a shared machine the
# wall time moves with the neighbours' work; the CPU time much less). Needs GNU time (/usr/bin/time).
set -euo pipefail

# shellcheck source=SCRIPTDIR/../lib/common.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../lib/common.sh"

runs=10 other=""
while (($# > 0)); do
    case "$1" in
        -n) runs="$2"; shift 2 ;;
        -b) other="$2"; shift 2 ;;
        --) shift; break ;;
        *) coffre_die "usage: deploy/bench/cli-start.sh [-n RUNS] [-b OTHER_CHECKOUT] -- COFFRE_ARGS..." ;;
    esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || coffre_die "-n: '$runs' is not a positive number"
[[ -x /usr/bin/time ]] || coffre_die "GNU time is missing: apt-get install time"
(($# > 0)) || coffre_die "no coffre command given (after --)"

# time_once LAUNCHER ARGS... — one call, whatever its exit status; prints "WALL CPU" in seconds.
time_once() {
    { /usr/bin/time -q -f '%e %U %S' -o /dev/fd/3 bash "$@" 3>&1 >/dev/null 2>/dev/null || true; } |
        awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }'
}

# summary LABEL FILE — median and range of each column.
summary() {
    sort -n -k1,1 "$2" | awk -v label="$1" '{ w[NR] = $1 } END { printf "%-10s wall  median %.2f s (%.2f-%.2f)", label, w[int((NR + 1) / 2)], w[1], w[NR] }'
    sort -n -k2,2 "$2" | awk '{ c[NR] = $2 } END { printf "   cpu median %.2f s (%.2f-%.2f)\n", c[int((NR + 1) / 2)], c[1], c[NR] }'
}

launchers=("$COFFRE_ROOT/deploy/bin/coffre")
labels=(this)
if [[ -n "$other" ]]; then
    launchers+=("$other/deploy/bin/coffre")
    labels+=(other)
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for l in "${launchers[@]}"; do
    bash "$l" "$@" >/dev/null 2>&1 || true
done
for ((i = 0; i < runs; i++)); do
    for j in "${!launchers[@]}"; do
        time_once "${launchers[$j]}" "$@" >>"$tmp/${labels[$j]}"
    done
done
printf 'coffre %s: %d runs, load average %s\n' "$*" "$runs" "$(cut -d' ' -f1-3 /proc/loadavg)"
for j in "${!launchers[@]}"; do
    summary "${labels[$j]}" "$tmp/${labels[$j]}"
done
