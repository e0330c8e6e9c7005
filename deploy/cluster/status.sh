#!/usr/bin/env bash
# Shows the local cluster started by deploy/cluster/start.sh:
#
#   deploy/cluster/status.sh [--no-call]
#
# For each node: its process, whether it accepts connections, and (unless --no-call) whether it
# answers a call over mTLS (`coffre ceremony status` sent to that node alone, ~1 s of JVM start
# each); then PostgreSQL. Exit status 0 when every node answers, 1 otherwise.
set -euo pipefail

# shellcheck source=SCRIPTDIR/cluster.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/cluster.sh"

main() {
    local call=1
    case "${1:-}" in
        "") ;;
        --no-call) call=0 ;;
        *) sed -n '2,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
    esac
    if [[ -z "$(cluster_nodes)" ]]; then
        printf 'no cluster in %s (deploy/cluster/start.sh makes one)\n' "$CLUSTER_DIR"
        exit 1
    fi
    local name port pid state healthy=1 answer
    printf '%-8s %-16s %-8s %s\n' NODE ADDRESS PID STATE
    while read -r name port; do
        pid="$(node_pid "$name")"
        if [[ -z "$pid" ]]; then
            state="stopped"
            healthy=0
        elif ! port_in_use "$port"; then
            state="running, not listening (starting? see $CLUSTER_DIR/$name.log)"
            healthy=0
        elif ((call)); then
            if answer="$(bash "$COFFRE_ROOT/deploy/bin/coffre" ceremony status --endpoint "127.0.0.1:$port" \
                --timeout 5 --cli-config "$CLUSTER_DIR/cli-admin.properties" 2>&1)"; then
                state="serving ($(grep -m 1 '^Initialised:' <<<"$answer" | tr -s ' '))"
            else
                state="listening, call failed: $(tail -n 1 <<<"$answer")"
                healthy=0
            fi
        else
            state="listening"
        fi
        printf '%-8s %-16s %-8s %s\n' "$name" "127.0.0.1:$port" "${pid:--}" "$state"
    done < <(cluster_nodes)
    if pg_isready -q -h 127.0.0.1 -p "$COFFRE_PG_PORT" 2>/dev/null; then
        printf 'PostgreSQL %s on 127.0.0.1:%s: accepting connections\n' "$COFFRE_PG_CLUSTER" "$COFFRE_PG_PORT"
    else
        printf 'PostgreSQL %s on 127.0.0.1:%s: not accepting connections\n' "$COFFRE_PG_CLUSTER" "$COFFRE_PG_PORT"
        healthy=0
    fi
    ((healthy))
}

main "$@"
