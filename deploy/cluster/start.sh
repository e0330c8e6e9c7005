#!/usr/bin/env bash
# Starts a local Coffre cluster on this machine: what operators run across sites, in miniature.
#
#   deploy/cluster/start.sh [--nodes N] [--base-port P] [--no-build]
#
# 1. installs the Debian packages it needs (SoftHSM2, OpenSC, OpenSSL, PostgreSQL; as root),
#    finds a JDK 21+, and builds (mvn -B -q package -DskipTests) unless --no-build;
# 2. starts PostgreSQL (deploy/lib/postgres.sh): a cluster of its own, `coffre-cluster` on
#    127.0.0.1:55433, with role and database `coffre` (password in a root-only file);
# 3. prepares the state directory (.cluster/ at the repository root, or $COFFRE_CLUSTER_DIR),
#    reusing whatever is there:
#      pki/        dev CA, server and client certificates              (deploy/dev/pki.sh)
#      softhsm/    ONE SoftHSM2 token, `coffre-cluster`, for every node  (deploy/dev/softhsm-token.sh)
#      officers/   three dev key officers and the signed init ceremony  (deploy/dev/officers.sh)
#      node-K.yaml configuration of node K (rewritten on each start: override settings with
#                  COFFRE_* environment variables, which every node inherits, e.g. COFFRE_HSM_SESSIONS=2)
#      node-K.log  its output;  node-K.pid  its process id;  nodes  "node-K PORT" lines
#      cli-admin.properties, cli-service.properties   CLI connection to ALL nodes (failover)
# 4. starts node-1 and waits until it serves, runs the init ceremony once, then starts the other
#    nodes, each `deploy/bin/coffre-server --config node-K.yaml` on 127.0.0.1:P+K-1 (default P
#    9443), detached from this shell.
#
# Running it again starts only the nodes that are not running. deploy/cluster/stop.sh stops
# them (and PostgreSQL with --postgres); deploy/cluster/status.sh shows them. Needs root
# (PostgreSQL is managed with pg_ctlcluster). For development and tests only: dev PKI, dev
# officers, SoftHSM.
set -euo pipefail

# shellcheck source=SCRIPTDIR/cluster.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/cluster.sh"

readonly TOKEN_LABEL=coffre-cluster

usage() {
    cat >&2 <<EOF
usage: deploy/cluster/start.sh [--nodes N] [--base-port P] [--no-build]
  --nodes N       how many nodes, 1-9 (default 3; must match the nodes already running)
  --base-port P   node K listens on 127.0.0.1:P+K-1 (default 9443)
  --no-build      do not run Maven; use the jars already in */target/
State: \$COFFRE_CLUSTER_DIR (default .cluster/). PostgreSQL: \$COFFRE_PG_CLUSTER, \$COFFRE_PG_PORT.
EOF
    exit 2
}

# write_node_config NAME PORT — the node's configuration file (private: it names the PIN and
# password files, though it holds neither).
write_node_config() {
    local name="$1" port="$2" file="$CLUSTER_DIR/$1.yaml" tmp
    tmp="$(mktemp "$file.XXXXXX")"
    cat >"$tmp" <<EOF
# Node $name of the local cluster, written by deploy/cluster/start.sh on each start: override
# settings with COFFRE_* environment variables instead of editing (see
# deploy/config/coffre.example.yaml). Relative paths resolve against this directory.
node:
  id: $name                 # names this node's audit chain: unique per node
server:
  host: 127.0.0.1
  port: $port
tls:
  certificate: pki/server.pem
  privateKey: pki/server.key
  clientCa: pki/ca.pem
hsm:
  profile: softhsm2
  tokenLabel: $TOKEN_LABEL  # the same token for every node (SOFTHSM2_CONF=softhsm/softhsm2.conf)
  pinFile: softhsm/hsm.pin
  sessions: 2
store:
  type: postgres
  url: $(coffre_pg_url)
  user: $COFFRE_PG_ROLE
  passwordFile: $(coffre_pg_password_file)
authorization:
  administrators: ["spiffe://coffre.dev/admin"]
  officers: ["spiffe://coffre.dev/officer/*"]
  clients: ["spiffe://coffre.dev/service/*"]
EOF
    chmod 600 "$tmp"
    mv -f "$tmp" "$file"
}

# launch NAME PORT — starts node NAME detached (its own log, immune to the terminal's hangup)
# unless it runs; the pid file gets the JVM's own pid (each launcher execs the next).
launch() {
    local name="$1" port="$2" pid
    pid="$(node_pid "$name")"
    if [[ -n "$pid" ]]; then
        coffre_info "$name already running (pid $pid) on 127.0.0.1:$port"
        return 0
    fi
    if port_in_use "$port"; then
        coffre_die "127.0.0.1:$port ($name) is in use by another program: stop it, or use --base-port"
    fi
    write_node_config "$name" "$port"
    (cd "$CLUSTER_DIR" &&
        exec env SOFTHSM2_CONF="$CLUSTER_DIR/softhsm/softhsm2.conf" \
            nohup bash "$COFFRE_ROOT/deploy/bin/coffre-server" --config "$CLUSTER_DIR/$name.yaml" \
            >>"$CLUSTER_DIR/$name.log" 2>&1 </dev/null) &
    printf '%s\n' "$!" >"$CLUSTER_DIR/$name.pid"
}

# await NAME PORT — waits until node NAME accepts connections; stops with its log's tail if it exits.
await() {
    local name="$1" port="$2" pid tries=0
    pid="$(tr -dc '0-9' <"$CLUSTER_DIR/$name.pid")"
    until port_in_use "$port"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            coffre_die "$name stopped during start-up; the end of $CLUSTER_DIR/$name.log:" \
                "$(tail -n 5 "$CLUSTER_DIR/$name.log")"
        fi
        ((tries++ < 240)) || coffre_die "$name did not open 127.0.0.1:$port within 120 s: see $CLUSTER_DIR/$name.log"
        sleep 0.5
    done
    coffre_info "$name serving on 127.0.0.1:$port (pid $pid, log $CLUSTER_DIR/$name.log)"
}

# bind_state_to_database — the state directory (token, officers) and the PostgreSQL database
# (keys, officers' public keys, audit) belong together: a database filled by a cluster whose state
# directory is gone (or another one) names HSM objects and officers that this token and these
# officer keys are not, and a state directory met with a new, empty database (COFFRE_PG_CLUSTER or
# COFFRE_PG_PORT changed, or the database dropped) would start a second, unrelated cluster on its
# token. A random id, kept in both (the database's comment), ties them; a mismatch stops the start
# with what to do, instead of nodes that answer KEY_NOT_FOUND and refuse votes.
bind_state_to_database() {
    local id_file="$CLUSTER_DIR/cluster-id" stored initialised id
    stored="$(_coffre_pg_psql_value "SELECT coalesce(shobj_description(oid, 'pg_database'), '')
        FROM pg_database WHERE datname = '$COFFRE_PG_DATABASE'")"
    stored="${stored#coffre-cluster-state:}"
    if [[ -n "$stored" ]]; then
        [[ -f "$id_file" && "$(cat "$id_file")" == "$stored" ]] && return 0
        coffre_die "the PostgreSQL database $COFFRE_PG_DATABASE on 127.0.0.1:$COFFRE_PG_PORT belongs to another" \
            "local cluster state than $CLUSTER_DIR (its token and officer keys are not the ones the database" \
            "knows). Start over with deploy/cluster/stop.sh --purge, or point COFFRE_CLUSTER_DIR at that state."
    fi
    if [[ -f "$id_file" ]]; then
        coffre_die "$CLUSTER_DIR belongs to a database that $COFFRE_PG_DATABASE on 127.0.0.1:$COFFRE_PG_PORT" \
            "(cluster $COFFRE_PG_CLUSTER) is not: a new or emptied database, or other COFFRE_PG_CLUSTER/COFFRE_PG_PORT" \
            "settings than at its first start. Set them back, or start over with deploy/cluster/stop.sh --purge."
    fi
    initialised="$(_coffre_pg_psql_value "SELECT count(*) FROM pg_class WHERE relname = 'flyway_schema_history'" \
        "$COFFRE_PG_DATABASE")"
    if [[ "$initialised" != 0 ]]; then
        coffre_die "the PostgreSQL database $COFFRE_PG_DATABASE already holds a Coffre cluster, but $CLUSTER_DIR" \
            "does not hold its state. Start over with deploy/cluster/stop.sh --purge."
    fi
    # The id file is written once the database holds the id: an interrupted first start can be run again.
    id="$(openssl rand -hex 16)"
    _coffre_pg_psql_value "COMMENT ON DATABASE $COFFRE_PG_DATABASE IS 'coffre-cluster-state:$id'" >/dev/null
    printf '%s\n' "$id" >"$id_file"
}

# init_ceremony — runs the dev init ceremony through the CLI unless the cluster is initialised.
init_ceremony() {
    local coffre="$COFFRE_ROOT/deploy/bin/coffre" config="$CLUSTER_DIR/cli-admin.properties"
    if bash "$coffre" ceremony status --cli-config "$config" | grep -q '^Initialised: *yes'; then
        return 0
    fi
    bash "$coffre" ceremony init "$CLUSTER_DIR/officers/ceremony.doc" "$CLUSTER_DIR"/officers/{alice,bob,carol}.sig \
        --cli-config "$config" >/dev/null
    coffre_info "init ceremony done: officers alice, bob (op-a) and carol (op-b), 2 of 3 with 1 per operator"
}

print_instructions() {
    local endpoints
    endpoints="$(cli_endpoints)"
    cat <<EOF

==============================================================================================
 Coffre cluster: $(cluster_nodes | wc -l) node(s) on ${endpoints//,/ }
 PostgreSQL $COFFRE_PG_CLUSTER at $(coffre_pg_url); SoftHSM token '$TOKEN_LABEL' shared by all
 nodes; state in $CLUSTER_DIR. Stop: deploy/cluster/stop.sh   Status: deploy/cluster/status.sh

 The CLI configs list every node (calls fail over), e.g.:
   deploy/bin/coffre keys list --cli-config $CLUSTER_DIR/cli-admin.properties
   deploy/bin/coffre keys create --alias demo --policy-file deploy/dev/demo-policy.json \\
       --cli-config $CLUSTER_DIR/cli-admin.properties
 One node only: add --endpoint 127.0.0.1:PORT. Load over every node:
   deploy/bin/coffre-loadtest --endpoint $endpoints \\
       --ca-cert $CLUSTER_DIR/pki/ca.pem --cert $CLUSTER_DIR/pki/service.pem \\
       --key $CLUSTER_DIR/pki/service.key --key-id alias/demo
==============================================================================================

EOF
}

main() {
    local nodes=3 base=9443 build=1
    while (($# > 0)); do
        case "$1" in
            --nodes) (($# >= 2)) || usage; nodes="$2"; shift 2 ;;
            --base-port) (($# >= 2)) || usage; base="$2"; shift 2 ;;
            --no-build) build=0; shift ;;
            -h | --help) usage ;;
            *) coffre_warn "unknown argument: $1"; usage ;;
        esac
    done
    [[ "$nodes" =~ ^[1-9]$ ]] || coffre_die "--nodes: '$nodes' is not 1-9"
    if ! [[ "$base" =~ ^[0-9]{1,5}$ ]] || ((10#$base < 1024 || 10#$base + nodes - 1 > 65535)); then
        coffre_die "--base-port: '$base' is not a port from 1024 with room for $nodes node(s)"
    fi
    base=$((10#$base))

    mapfile -t packages < <(coffre_base_packages; printf '%s\n' postgresql)
    coffre_ensure_packages "${packages[@]}"
    COFFRE_VERBOSE=1 coffre_find_jdk
    if ((build)); then
        coffre_info "building: mvn -B -q package -DskipTests"
        coffre_mvn -q package -DskipTests ||
            coffre_die "the build failed (see above); fix it, or run with --no-build to use the last built jars"
    fi
    [[ -n "$(coffre_module_jar kms-server)" && -n "$(coffre_module_jar kms-cli)" ]] ||
        coffre_die "kms-server and kms-cli are not built: run without --no-build"

    # umask 077: keys, PINs and configs under the state directory are private to this user.
    umask 077
    mkdir -p "$CLUSTER_DIR"
    chmod 700 "$CLUSTER_DIR"

    # The node list is fixed by the first start, while nodes run: their ports are in the CLI configs.
    local running=() name port
    while read -r name port; do
        [[ -n "$(node_pid "$name")" ]] && running+=("$name")
    done < <(cluster_nodes)
    if ((${#running[@]} > 0)) && [[ "$(cluster_nodes | wc -l)" != "$nodes" || "$(cluster_nodes | head -n 1)" != "node-1 $base" ]]; then
        coffre_die "${running[*]} already running with another --nodes/--base-port ($(cluster_nodes | tr '\n' ' '))." \
            "Stop first: deploy/cluster/stop.sh"
    fi
    local k
    : >"$CLUSTER_DIR/nodes"
    for ((k = 1; k <= nodes; k++)); do
        printf 'node-%d %d\n' "$k" "$((base + k - 1))" >>"$CLUSTER_DIR/nodes"
    done

    coffre_pg_start
    coffre_pg_ensure_database
    bind_state_to_database
    bash "$COFFRE_ROOT/deploy/dev/pki.sh" "$CLUSTER_DIR/pki"
    bash "$COFFRE_ROOT/deploy/dev/softhsm-token.sh" "$CLUSTER_DIR/softhsm" "$TOKEN_LABEL"
    bash "$COFFRE_ROOT/deploy/dev/officers.sh" "$CLUSTER_DIR/officers"
    local identity
    for identity in admin service; do
        coffre_write_cli_config "$CLUSTER_DIR/cli-$identity.properties" "$identity" "$(cli_endpoints)" \
            "Coffre CLI connection as '$identity' to every node (round-robin, failover), by deploy/cluster/start.sh."
    done

    # node-1 first, for the init ceremony. The HSM keys all nodes share (health, audit HMAC) are
    # created once whatever the order: under a PostgreSQL advisory lock (SharedHsmKeys).
    launch node-1 "$base"
    await node-1 "$base"
    init_ceremony
    for ((k = 2; k <= nodes; k++)); do
        launch "node-$k" "$((base + k - 1))"
    done
    for ((k = 2; k <= nodes; k++)); do
        await "node-$k" "$((base + k - 1))"
    done
    print_instructions
}

main "$@"
