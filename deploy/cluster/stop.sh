#!/usr/bin/env bash
# Stops the local cluster started by deploy/cluster/start.sh:
#
#   deploy/cluster/stop.sh [--postgres | --purge] [--timeout SECONDS]
#
# Every node gets SIGTERM at once: it stops taking calls, writes its last audit events and
# checkpoint, and closes the HSM and the store. Each then has --timeout seconds (default 30) to
# exit before SIGKILL; the script reports how each one ended. Keys, data and officers stay in the
# state directory (.cluster/ or $COFFRE_CLUSTER_DIR) for the next start.
#
#   --postgres   also stop the PostgreSQL cluster (its data stays)
#   --purge      also DELETE everything: drop the PostgreSQL cluster and remove the state
#                directory (token, keys, officers, audit log). Envelopes made by this cluster can
#                never be opened again. For starting over.
set -euo pipefail

# shellcheck source=SCRIPTDIR/cluster.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/cluster.sh"

usage() {
    sed -n '2,16s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
    exit 2
}

main() {
    local postgres=0 purge=0 timeout=30
    while (($# > 0)); do
        case "$1" in
            --postgres) postgres=1; shift ;;
            --purge) purge=1; postgres=1; shift ;;
            --timeout) (($# >= 2)) || usage; timeout="$2"; shift 2 ;;
            -h | --help) usage ;;
            *) coffre_warn "unknown argument: $1"; usage ;;
        esac
    done
    [[ "$timeout" =~ ^[0-9]{1,4}$ ]] || coffre_die "--timeout: '$timeout' is not a number of seconds"

    # Signal every node first, then wait: they shut down in parallel.
    local name port pid names=() pids=() i
    while read -r name port; do
        pid="$(node_pid "$name")"
        if [[ -z "$pid" ]]; then
            coffre_info "$name (127.0.0.1:$port) was not running"
            rm -f "$CLUSTER_DIR/$name.pid"
            continue
        fi
        kill -TERM "$pid" 2>/dev/null || true
        names+=("$name")
        pids+=("$pid")
    done < <(cluster_nodes)

    local waited=0 alive
    while :; do
        alive=0
        for i in "${!pids[@]}"; do
            [[ -n "${pids[$i]}" ]] || continue
            if kill -0 "${pids[$i]}" 2>/dev/null; then
                alive=1
            else
                coffre_info "${names[$i]} stopped (pid ${pids[$i]}, after SIGTERM, in ~$((waited / 2)) s)"
                rm -f "$CLUSTER_DIR/${names[$i]}.pid"
                pids[i]=""
            fi
        done
        ((alive)) || break
        if ((waited >= timeout * 2)); then
            for i in "${!pids[@]}"; do
                [[ -n "${pids[$i]}" ]] || continue
                coffre_warn "${names[$i]} (pid ${pids[$i]}) did not stop within $timeout s: SIGKILL (see $CLUSTER_DIR/${names[$i]}.log)"
                kill -KILL "${pids[$i]}" 2>/dev/null || true
                rm -f "$CLUSTER_DIR/${names[$i]}.pid"
            done
            break
        fi
        sleep 0.5
        waited=$((waited + 1))
    done

    if ((postgres)); then
        coffre_pg_stop
        coffre_info "PostgreSQL $COFFRE_PG_CLUSTER (127.0.0.1:$COFFRE_PG_PORT) stopped"
    fi
    if ((purge)); then
        local version
        version="$(coffre_pg_version)"
        coffre_pg_drop
        # pg_dropcluster leaves the conf.d file that postgres.sh added, and pg_createcluster then
        # refuses the name: remove exactly that file and the directories it kept.
        if [[ -n "$version" && -d "/etc/postgresql/$version/$COFFRE_PG_CLUSTER" ]]; then
            rm -f -- "/etc/postgresql/$version/$COFFRE_PG_CLUSTER/conf.d/coffre.conf"
            rmdir -- "/etc/postgresql/$version/$COFFRE_PG_CLUSTER/conf.d" "/etc/postgresql/$version/$COFFRE_PG_CLUSTER" 2>/dev/null || true
        fi
        rmdir -- "$COFFRE_PG_STATE_DIR" 2>/dev/null || true
        rm -rf -- "$CLUSTER_DIR"
        coffre_info "dropped PostgreSQL cluster $COFFRE_PG_CLUSTER and removed $CLUSTER_DIR"
    fi
}

main "$@"
