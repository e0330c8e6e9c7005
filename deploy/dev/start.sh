#!/usr/bin/env bash
# Builds Coffre and runs a single-node development server in the foreground, from a fresh
# Debian 12 machine or an existing checkout:
#
#   deploy/dev/start.sh [--port N] [--no-build]
#
# 1. installs the Debian packages it needs (SoftHSM2, OpenSC, OpenSSL; Maven if absent; as root),
# 2. finds a JDK 21+,
# 3. builds (mvn -B -q package -DskipTests, without colours) unless --no-build,
# 4. prepares .dev/ at the repository root (git-ignored), reusing whatever is already there:
#      .dev/pki/                  dev CA, server and client certificates   (deploy/dev/pki.sh)
#      .dev/softhsm/              SoftHSM2 token "coffre-dev" and its PINs (deploy/dev/softhsm-token.sh)
#      .dev/coffre.yaml           server configuration, written only if absent: edit it freely
#      .dev/cli-admin.properties  CLI connection as the administrator   (rewritten on each run)
#      .dev/cli-service.properties CLI connection as the demo service  (rewritten on each run)
#      .dev/data/                 the embedded (H2) database
# 5. makes three dev key officers (deploy/dev/officers.sh), runs deploy/bin/coffre-server, runs the
#    dev init ceremony once it answers (first run only), and prints how to call it with the CLI:
#    the README's "Quick start with the CLI" block, read from README.md.
#
# The port is --port N, else $COFFRE_SERVER_PORT, else server.port of .dev/coffre.yaml, else 8443;
# it reaches the server as COFFRE_SERVER_PORT so that server and CLI files always agree.
# Remove .dev/ to start again from nothing (new CA, new token: existing envelopes become unreadable).
set -euo pipefail

# shellcheck source=SCRIPTDIR/../lib/common.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../lib/common.sh"

readonly DEFAULT_PORT=8443
readonly TOKEN_LABEL=coffre-dev

usage() {
    cat >&2 <<EOF
usage: deploy/dev/start.sh [--port N] [--no-build]
  --port N     listen on 127.0.0.1:N (default: server.port of .dev/coffre.yaml, else $DEFAULT_PORT)
  --no-build   do not run Maven; use the jars already in */target/
EOF
    exit 2
}

valid_port() {
    [[ "$1" =~ ^[0-9]{1,5}$ ]] && ((10#$1 >= 1 && 10#$1 <= 65535))
}

# yaml_server_port FILE — server.port of a config file in the layout this script writes, or nothing.
yaml_server_port() {
    [[ -f "$1" ]] || return 0
    awk '
        /^[^[:space:]#]/ { in_server = ($0 ~ /^server:[[:space:]]*(#.*)?$/) }
        in_server && /^[[:space:]]+port:/ { v = $2; gsub(/[^0-9]/, "", v); print v; exit }
    ' "$1"
}

# port_in_use PORT — true if something already accepts connections on 127.0.0.1:PORT.
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

write_server_config() {
    local file="$1" port="$2" tmp
    tmp="$(mktemp "$file.XXXXXX")"
    cat >"$tmp" <<EOF
# Coffre development server configuration, written by deploy/dev/start.sh only when absent:
# edit it freely, it is kept. Every setting is explained in deploy/config/coffre.example.yaml.
# Relative paths resolve against this file's directory (.dev/). Any setting can be overridden
# by an environment variable COFFRE_<PATH> (e.g. COFFRE_HSM_SESSIONS=8); start.sh itself sets
# COFFRE_SERVER_PORT (from --port, else the port below).
node:
  id: dev-1
server:
  host: 127.0.0.1
  port: $port
  reflection: true
tls:
  certificate: pki/server.pem
  privateKey: pki/server.key
  clientCa: pki/ca.pem
hsm:
  profile: softhsm2
  # library: /usr/lib/softhsm/libsofthsm2.so   # optional; the profile's default otherwise
  tokenLabel: $TOKEN_LABEL
  pinFile: softhsm/hsm.pin
  sessions: 4
store:
  type: h2
  path: data/coffre        # H2 database file (without .mv.db)
authorization:
  administrators: ["spiffe://coffre.dev/admin"]
  officers: ["spiffe://coffre.dev/officer/*"]
  clients: ["spiffe://coffre.dev/service/*"]
keys:
  deletionCheckInterval: PT1M
telemetry:
  metrics:
    port: 9464             # GET http://127.0.0.1:9464/metrics (docs/metrics.md)
EOF
    chmod 600 "$tmp"
    mv -f "$tmp" "$file"
}

# quick_start — the README's "Quick start with the CLI" block, the one walk-through of the CLI: it
# is printed from the README itself so that the two can never tell different stories.
quick_start() {
    local readme="$COFFRE_ROOT/README.md"
    if [[ -r "$readme" ]]; then
        awk '
            /^<!-- quick-start:/ { marked = 1; next }
            marked && /^```/ { if (inside) exit; inside = 1; next }
            inside { print ($0 == "" ? "" : "   " $0) }
        ' "$readme"
    fi
}

print_instructions() {
    local port="$1"
    cat <<EOF

==============================================================================================
 Coffre dev server: 127.0.0.1:$port (mTLS), HSM: SoftHSM2 token '$TOKEN_LABEL', state in .dev/
 Ctrl-C stops it; deploy/dev/start.sh --no-build starts it again with the same keys and data.

 In another terminal, from $COFFRE_ROOT (README.md, "Quick start with the CLI";
 put the id that 'keys create' prints in place of apr-...):

$(quick_start)

 Or once per shell:  export COFFRE_CLI_CONFIG=\$PWD/.dev/cli-admin.properties
 Look into the token: SOFTHSM2_CONF=.dev/softhsm/softhsm2.conf pkcs11-tool \\
       --module /usr/lib/softhsm/libsofthsm2.so --token-label $TOKEN_LABEL --login --list-objects
       (user PIN in .dev/softhsm/hsm.pin)
==============================================================================================

EOF
}

main() {
    local port="" build=1
    while (($# > 0)); do
        case "$1" in
            --port)
                (($# >= 2)) || usage
                port="$2"
                shift 2
                ;;
            --port=*)
                port="${1#--port=}"
                shift
                ;;
            --no-build)
                build=0
                shift
                ;;
            -h | --help) usage ;;
            *)
                printf 'start.sh: unknown argument: %s\n' "$1" >&2
                usage
                ;;
        esac
    done
    if [[ -n "$port" ]] && ! valid_port "$port"; then
        coffre_die "--port: '$port' is not a port number (1-65535)"
    fi

    local dev="$COFFRE_ROOT/.dev"
    local config="$dev/coffre.yaml"
    if [[ -z "$port" ]]; then
        port="${COFFRE_SERVER_PORT:-$(yaml_server_port "$config")}"
        port="${port:-$DEFAULT_PORT}"
        valid_port "$port" || coffre_die "bad port '$port' (from COFFRE_SERVER_PORT or $config): use --port N"
    fi
    port=$((10#$port))

    mapfile -t packages < <(coffre_base_packages)
    coffre_ensure_packages "${packages[@]}"
    # shellcheck source=SCRIPTDIR/../lib/softhsm-oaep.sh
    source "$COFFRE_ROOT/deploy/lib/softhsm-oaep.sh"
    coffre_ensure_softhsm_oaep
    COFFRE_VERBOSE=1 coffre_find_jdk

    if ((build)); then
        coffre_info "building: mvn -B -q package -DskipTests (the first build downloads dependencies: a few minutes)"
        coffre_mvn -q package -DskipTests ||
            coffre_die "the build failed (see above); fix it, or run with --no-build to use the last built jars"
    else
        coffre_info "--no-build: using the jars already built"
    fi

    # umask 077: everything under .dev/ (keys, PINs, database) is private to this user.
    umask 077
    mkdir -p "$dev" "$dev/data"
    chmod 700 "$dev"

    bash "$COFFRE_ROOT/deploy/dev/pki.sh" "$dev/pki"
    bash "$COFFRE_ROOT/deploy/dev/softhsm-token.sh" "$dev/softhsm" "$TOKEN_LABEL"

    if [[ -f "$config" ]]; then
        coffre_info "reusing $config"
    else
        write_server_config "$config" "$port"
        coffre_info "wrote $config"
    fi
    local identity
    for identity in admin service; do
        coffre_write_cli_config "$dev/cli-$identity.properties" "$identity" "127.0.0.1:$port" \
            "Coffre CLI connection as '$identity', written by deploy/dev/start.sh (rewritten on each run)."
    done

    if [[ -z "$(coffre_module_jar kms-server)" ]]; then
        coffre_die "kms-server is not built (no kms-server/target/kms-server-*.jar); .dev/ is ready." \
            "Build first: deploy/dev/start.sh (without --no-build), or" \
            "  cd '$COFFRE_ROOT' && mvn -B package -DskipTests"
    fi
    if [[ -z "$(coffre_module_jar kms-cli)" ]]; then
        coffre_warn "kms-cli is not built: the deploy/bin/coffre commands below need it (mvn -B package -DskipTests)"
    fi
    if port_in_use "$port"; then
        coffre_die "127.0.0.1:$port is already in use (another dev server still running?)." \
            "Stop it, or pick another port: deploy/dev/start.sh --no-build --port N"
    fi

    if [[ -n "$(coffre_module_jar kms-cli)" ]]; then
        bash "$COFFRE_ROOT/deploy/dev/officers.sh" "$dev/officers"
    fi

    export SOFTHSM2_CONF="$dev/softhsm/softhsm2.conf"
    export COFFRE_SERVER_PORT="$port"
    cd "$COFFRE_ROOT"
    bash "$COFFRE_ROOT/deploy/bin/coffre-server" --config "$config" &
    local server=$!
    trap 'kill -TERM "$server" 2>/dev/null' INT TERM
    init_ceremony "$dev" "$port" "$server"
    print_instructions "$port"
    local status=0
    wait "$server" || status=$?
    # A first Ctrl-C interrupts `wait`; wait again for the server's orderly shutdown.
    wait "$server" 2>/dev/null || true
    return "$status"
}

# init_ceremony DEV PORT PID — once the server answers, runs the dev init ceremony if it has
# not happened yet (a fresh .dev/), so the server is ready for the quick start.
init_ceremony() {
    local dev="$1" port="$2" server="$3" coffre="$COFFRE_ROOT/deploy/bin/coffre" tries=0
    [[ -f "$dev/officers/ceremony.doc" ]] || return 0
    until port_in_use "$port"; do
        kill -0 "$server" 2>/dev/null || coffre_die "the server stopped during start-up (see its log above)"
        ((tries++ < 120)) || coffre_die "the server did not open 127.0.0.1:$port within 60 s"
        sleep 0.5
    done
    if bash "$coffre" ceremony status --cli-config "$dev/cli-admin.properties" | grep -q '^Initialised: *yes'; then
        return 0
    fi
    bash "$coffre" ceremony init "$dev/officers/ceremony.doc" "$dev"/officers/{alice,bob,carol}.sig \
        --cli-config "$dev/cli-admin.properties" >/dev/null
    coffre_info "dev init ceremony done: officers alice, bob (op-a) and carol (op-b), 2 of 3 with 1 per operator"
}

# Sourced (by a test, for its functions), it only defines them.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    main "$@"
fi
