# shellcheck shell=bash
# What deploy/cluster/{start,stop,status}.sh share: where the local cluster lives and how its node
# processes are found. Source it, do not run it:
#
#   source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/cluster.sh"
#
# Settings (environment, with defaults):
#   COFFRE_CLUSTER_DIR    state directory (.cluster at the repository root): PKI, SoftHSM token,
#                         officers, node-K.yaml / node-K.log / node-K.pid, CLI configs
#   COFFRE_PG_CLUSTER     PostgreSQL cluster name (coffre-cluster)        } see deploy/lib/postgres.sh;
#   COFFRE_PG_PORT        its port on 127.0.0.1 (55433)                    } distinct from the test
#   COFFRE_PG_STATE_DIR   its password file's directory                    } cluster (coffre-test, 55432)
#                         (/var/lib/coffre-cluster-postgres)

if [[ -n "${COFFRE_CLUSTER_SH_LOADED:-}" ]]; then
    return 0
fi
COFFRE_CLUSTER_SH_LOADED=1

# shellcheck source=SCRIPTDIR/../lib/common.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../lib/common.sh"
export COFFRE_PG_CLUSTER="${COFFRE_PG_CLUSTER:-coffre-cluster}"
export COFFRE_PG_PORT="${COFFRE_PG_PORT:-55433}"
export COFFRE_PG_STATE_DIR="${COFFRE_PG_STATE_DIR:-/var/lib/coffre-cluster-postgres}"
# shellcheck source=SCRIPTDIR/../lib/postgres.sh
source "$COFFRE_ROOT/deploy/lib/postgres.sh"

# Absolute, so that it matches the --config path in the node processes' command lines.
CLUSTER_DIR="$(realpath -m -- "${COFFRE_CLUSTER_DIR:-$COFFRE_ROOT/.cluster}")"
# The server's main class: a pid is only ever signalled if its command line names it.
readonly COFFRE_SERVER_MAIN=coffre.kms.server.Main

# port_in_use PORT — true if something accepts connections on 127.0.0.1:PORT.
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# cluster_nodes — prints "NAME PORT" for each node start.sh made, in order: from $CLUSTER_DIR/nodes,
# else (a directory made by an older start.sh) from server.port of each node-K.yaml.
cluster_nodes() {
    local file
    if [[ -f "$CLUSTER_DIR/nodes" ]]; then
        grep -E '^node-[0-9]+ [0-9]+$' "$CLUSTER_DIR/nodes" || true
        return 0
    fi
    for file in "$CLUSTER_DIR"/node-*.yaml; do
        [[ -f "$file" ]] || continue
        awk -v name="$(basename "$file" .yaml)" '
            /^[^[:space:]#]/ { in_server = ($0 ~ /^server:/) }
            in_server && /^[[:space:]]+port:/ { print name, $2; exit }' "$file"
    done | sort -V
}

# _is_node_process PID NAME — true if PID is a live coffre-server started with NAME's config file.
_is_node_process() {
    local cmdline
    [[ "$1" =~ ^[0-9]+$ && -r "/proc/$1/cmdline" ]] || return 1
    cmdline="$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null)" || return 1
    [[ "$cmdline" == *"$COFFRE_SERVER_MAIN"* && "$cmdline" == *"$CLUSTER_DIR/$2.yaml"* ]]
}

# node_pid NAME — prints the pid of node NAME's server process if it runs, else nothing. The pid
# file is trusted only when /proc says that pid is this node's server (a pid may have been reused).
# A pid file from an older start.sh may name the shell that launched the JVM: its child is taken.
node_pid() {
    local name="$1" pid child
    [[ -f "$CLUSTER_DIR/$name.pid" ]] || return 0
    pid="$(tr -dc '0-9' <"$CLUSTER_DIR/$name.pid")"
    [[ -n "$pid" ]] || return 0
    if _is_node_process "$pid" "$name"; then
        printf '%s\n' "$pid"
        return 0
    fi
    for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
        if _is_node_process "$child" "$name"; then
            printf '%s\n' "$child"
            return 0
        fi
    done
}

# cli_endpoints — every node's address, comma-separated, as the CLI and the load tool take them.
cli_endpoints() {
    local name port list=()
    while read -r name port; do
        list+=("127.0.0.1:$port")
    done < <(cluster_nodes)
    (IFS=,; printf '%s\n' "${list[*]}")
}
