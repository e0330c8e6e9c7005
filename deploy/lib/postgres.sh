# shellcheck shell=bash
# PostgreSQL helpers of Coffre's scripts: a dedicated PostgreSQL cluster (Debian's
# pg_createcluster / pg_ctlcluster) for the tests and for local clusters of Coffre nodes.
# Source it after common.sh, do not run it:
#
#   source "$COFFRE_ROOT/deploy/lib/postgres.sh"
#   coffre_pg_test_up        # create if needed, start, export COFFRE_TEST_PG_* for the tests
#   coffre_pg_stop           # stop it (data kept)
#
# The cluster listens on 127.0.0.1 only, on its own port, so it never meets a PostgreSQL that the
# machine runs for something else. It has one role and one database, both `coffre`; the role's
# password is generated once and kept in a root-only file ($COFFRE_PG_STATE_DIR/coffre.password),
# never on a command line or in a log. Every function is idempotent. Needs root (PostgreSQL runs
# as the `postgres` user, which pg_ctlcluster switches to).
#
# Settings (environment, with defaults): COFFRE_PG_CLUSTER (coffre-test), COFFRE_PG_PORT (55432),
# COFFRE_PG_VERSION (the newest PostgreSQL server installed), COFFRE_PG_STATE_DIR
# (/var/lib/coffre-test-postgres).

if [[ -n "${COFFRE_POSTGRES_SH_LOADED:-}" ]]; then
    return 0
fi
COFFRE_POSTGRES_SH_LOADED=1

COFFRE_PG_CLUSTER="${COFFRE_PG_CLUSTER:-coffre-test}"
COFFRE_PG_PORT="${COFFRE_PG_PORT:-55432}"
COFFRE_PG_STATE_DIR="${COFFRE_PG_STATE_DIR:-/var/lib/coffre-test-postgres}"
COFFRE_PG_DATABASE=coffre
COFFRE_PG_ROLE=coffre

# coffre_pg_version — prints COFFRE_PG_VERSION, else the newest server version installed
# (/usr/lib/postgresql/<version>/bin/postgres), else nothing.
coffre_pg_version() {
    if [[ -n "${COFFRE_PG_VERSION:-}" ]]; then
        printf '%s\n' "$COFFRE_PG_VERSION"
        return 0
    fi
    local dir best=""
    for dir in /usr/lib/postgresql/*/bin/postgres; do
        [[ -x "$dir" ]] || continue
        dir="${dir%/bin/postgres}"
        dir="${dir##*/}"
        if [[ -z "$best" ]] || (( ${dir%%.*} > ${best%%.*} )); then
            best="$dir"
        fi
    done
    [[ -n "$best" ]] && printf '%s\n' "$best"
    return 0
}

# _coffre_pg_require — stops with instructions unless the PostgreSQL server and tools are here.
_coffre_pg_require() {
    ((EUID == 0)) || coffre_die "managing the PostgreSQL cluster for Coffre needs root (pg_createcluster, pg_ctlcluster)"
    if ! command -v pg_createcluster >/dev/null 2>&1 || [[ -z "$(coffre_pg_version)" ]]; then
        coffre_die "PostgreSQL is not installed: run deploy/dev/test.sh (installs the Debian package postgresql)," \
            "or: apt-get install -y --no-install-recommends postgresql"
    fi
}

# coffre_pg_password_file — prints the path of the file holding the coffre role's password.
coffre_pg_password_file() {
    printf '%s/coffre.password\n' "$COFFRE_PG_STATE_DIR"
}

# coffre_pg_url — prints the JDBC URL of the coffre database.
coffre_pg_url() {
    printf 'jdbc:postgresql://127.0.0.1:%s/%s\n' "$COFFRE_PG_PORT" "$COFFRE_PG_DATABASE"
}

# _coffre_pg_status — prints online, down, or missing.
_coffre_pg_status() {
    local version
    version="$(coffre_pg_version)"
    if ! pg_lsclusters -h 2>/dev/null | awk -v v="$version" -v c="$COFFRE_PG_CLUSTER" '$1 == v && $2 == c { found = 1 } END { exit !found }'; then
        echo missing
    elif pg_lsclusters -h 2>/dev/null | awk -v v="$version" -v c="$COFFRE_PG_CLUSTER" '$1 == v && $2 == c && $4 ~ /^online/ { found = 1 } END { exit !found }'; then
        echo online
    else
        echo down
    fi
}

# coffre_pg_create — creates the cluster unless it exists: 127.0.0.1 only, on COFFRE_PG_PORT,
# password (scram) authentication over TCP, peer authentication for postgres on the local socket.
# Not started on boot (start.conf manual): the scripts start it when they need it.
coffre_pg_create() {
    _coffre_pg_require
    local version
    version="$(coffre_pg_version)"
    [[ "$(_coffre_pg_status)" == missing ]] || return 0
    coffre_info "creating PostgreSQL $version cluster $COFFRE_PG_CLUSTER on 127.0.0.1:$COFFRE_PG_PORT"
    pg_createcluster --port="$COFFRE_PG_PORT" --start-conf=manual \
        "$version" "$COFFRE_PG_CLUSTER" -- --auth-local=peer --auth-host=scram-sha-256 >&2 ||
        coffre_die "pg_createcluster $version $COFFRE_PG_CLUSTER failed (see above)"
    # In Debian's conf.d (read after postgresql.conf): pg_createcluster -o and pg_conftool leave
    # an address unquoted, which postgresql.conf refuses.
    cat >"/etc/postgresql/$version/$COFFRE_PG_CLUSTER/conf.d/coffre.conf" <<'CONF' ||
# Written by Coffre's deploy/lib/postgres.sh.
listen_addresses = '127.0.0.1'
max_connections = 200
CONF
        coffre_die "could not configure PostgreSQL cluster $version/$COFFRE_PG_CLUSTER"
    # Readable by the server whatever the caller's umask.
    chown postgres:postgres "/etc/postgresql/$version/$COFFRE_PG_CLUSTER/conf.d/coffre.conf"
    chmod 644 "/etc/postgresql/$version/$COFFRE_PG_CLUSTER/conf.d/coffre.conf"
}

# coffre_pg_start — starts the cluster (creating it first if needed) and waits until it accepts
# connections.
coffre_pg_start() {
    coffre_pg_create
    local version i
    version="$(coffre_pg_version)"
    if [[ "$(_coffre_pg_status)" != online ]]; then
        pg_ctlcluster "$version" "$COFFRE_PG_CLUSTER" start >&2 ||
            coffre_die "could not start PostgreSQL cluster $version/$COFFRE_PG_CLUSTER" \
                "see /var/log/postgresql/postgresql-$version-$COFFRE_PG_CLUSTER.log"
    fi
    for ((i = 0; i < 60; i++)); do
        if pg_isready -q -h 127.0.0.1 -p "$COFFRE_PG_PORT"; then
            return 0
        fi
        sleep 0.5
    done
    coffre_die "PostgreSQL on 127.0.0.1:$COFFRE_PG_PORT did not accept connections within 30 s" \
        "see /var/log/postgresql/postgresql-$version-$COFFRE_PG_CLUSTER.log"
}

# _coffre_pg_psql — psql as the postgres superuser over the local socket of the cluster, reading
# its SQL from standard input.
_coffre_pg_psql() {
    runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$COFFRE_PG_PORT" -d postgres
}

# _coffre_pg_psql_value SQL [DATABASE] — runs one statement as the superuser and prints its value
# (unaligned, no header).
_coffre_pg_psql_value() {
    runuser -u postgres -- psql -X -q -A -t -v ON_ERROR_STOP=1 -p "$COFFRE_PG_PORT" -d "${2:-postgres}" -c "$1" ||
        coffre_die "psql failed on the PostgreSQL cluster $COFFRE_PG_CLUSTER"
}

# coffre_pg_ensure_database — the coffre role (LOGIN, no other privilege) with the password from
# the password file (generated on first use), and the coffre database owned by it. The password
# is sent to psql on its standard input only.
coffre_pg_ensure_database() {
    local password_file password
    password_file="$(coffre_pg_password_file)"
    install -d -m 700 "$COFFRE_PG_STATE_DIR"
    if [[ ! -s "$password_file" ]]; then
        (umask 077 && openssl rand -hex 24 >"$password_file") ||
            coffre_die "could not write $password_file"
    fi
    chmod 600 "$password_file"
    password="$(tr -d '\n' <"$password_file")"
    [[ "$password" =~ ^[A-Za-z0-9]+$ ]] ||
        coffre_die "$password_file must hold letters and digits only (delete it to generate a new one)"
    # Setting the password every time keeps role and file in step if either was recreated.
    # VERBOSITY terse: an error message never quotes the statement (which holds the password).
    _coffre_pg_psql >/dev/null <<SQL || coffre_die "could not create or update the PostgreSQL role $COFFRE_PG_ROLE"
\set VERBOSITY terse
SELECT format('CREATE ROLE %I LOGIN', '$COFFRE_PG_ROLE')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$COFFRE_PG_ROLE') \gexec
ALTER ROLE $COFFRE_PG_ROLE WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '$password';
SELECT format('CREATE DATABASE %I OWNER %I', '$COFFRE_PG_DATABASE', '$COFFRE_PG_ROLE')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$COFFRE_PG_DATABASE') \gexec
SQL
}

# coffre_pg_export_test_env — exports what the tests read (see PostgresTestDatabase in kms-server's
# tests): where the database is, who to connect as, where the password is, and which cluster to
# stop and start when a test restarts PostgreSQL.
coffre_pg_export_test_env() {
    export COFFRE_TEST_PG_URL COFFRE_TEST_PG_USER COFFRE_TEST_PG_PASSWORD_FILE COFFRE_TEST_PG_VERSION COFFRE_TEST_PG_CLUSTER
    COFFRE_TEST_PG_URL="$(coffre_pg_url)"
    COFFRE_TEST_PG_USER="$COFFRE_PG_ROLE"
    COFFRE_TEST_PG_PASSWORD_FILE="$(coffre_pg_password_file)"
    COFFRE_TEST_PG_VERSION="$(coffre_pg_version)"
    COFFRE_TEST_PG_CLUSTER="$COFFRE_PG_CLUSTER"
}

# coffre_pg_test_up — everything the tests need: cluster created and started, role and database
# ready, connection settings exported.
coffre_pg_test_up() {
    coffre_pg_start
    coffre_pg_ensure_database
    coffre_pg_export_test_env
    coffre_info "PostgreSQL $(coffre_pg_version)/$COFFRE_PG_CLUSTER ready at $(coffre_pg_url) (user $COFFRE_PG_ROLE)"
}

# coffre_pg_stop — stops the cluster if it runs; its data stays for the next start.
coffre_pg_stop() {
    local version
    version="$(coffre_pg_version)"
    [[ -n "$version" && "$(_coffre_pg_status)" == online ]] || return 0
    pg_ctlcluster "$version" "$COFFRE_PG_CLUSTER" stop -m fast >&2 ||
        coffre_die "could not stop PostgreSQL cluster $version/$COFFRE_PG_CLUSTER"
}

# coffre_pg_drop — stops and deletes the cluster and its password file (all test data goes).
coffre_pg_drop() {
    local version
    version="$(coffre_pg_version)"
    if [[ -n "$version" && "$(_coffre_pg_status)" != missing ]]; then
        pg_dropcluster --stop "$version" "$COFFRE_PG_CLUSTER" >&2 ||
            coffre_die "could not drop PostgreSQL cluster $version/$COFFRE_PG_CLUSTER"
    fi
    rm -f "$(coffre_pg_password_file)"
}
