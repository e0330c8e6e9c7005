# shellcheck shell=bash
# Shared helpers of Coffre's scripts (deploy/dev/*, deploy/bin/*). Source it, do not run it:
#
#   source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../lib/common.sh"
#
# Defines COFFRE_ROOT (the repository root, found from this file's own location, so callers work
# from any directory), COFFRE_JVM_ARGS, and the coffre_* functions below. Every function is
# idempotent. Messages go to stderr so that a launcher's stdout stays the program's own.
#
# The same file serves two layouts, told apart by what lies beside it:
# - a checkout: deploy/lib/common.sh; a program is MODULE/target/MODULE-<version>.jar plus
#   MODULE/target/lib/*, and COFFRE_ROOT is the repository root;
# - a release archive (coffre-<version>.tar.gz, kms-dist): lib/common.sh beside every jar and one
#   lib/MODULE.classpath per program (its jar names, one a line, the program's own first), and
#   COFFRE_ROOT is the unpacked archive. COFFRE_DIST_LIB is that lib/ directory, empty otherwise.

if [[ -n "${COFFRE_COMMON_SH_LOADED:-}" ]]; then
    return 0
fi
COFFRE_COMMON_SH_LOADED=1

COFFRE_DIST_LIB="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
if compgen -G "$COFFRE_DIST_LIB/*.classpath" >/dev/null; then
    COFFRE_ROOT="$(cd "$COFFRE_DIST_LIB/.." && pwd -P)"
else
    COFFRE_ROOT="$(cd "$COFFRE_DIST_LIB/../.." && pwd -P)"
    COFFRE_DIST_LIB=""
fi

# The JVM flags that the server, the CLI and every test JVM need: hsm-adapters makes session-object
# copies of token keys through SunPKCS11 internals (see DESIGN.md, "Measured facts").
# Keep in sync with the pkcs11.jvm.args property of the root pom.xml.
COFFRE_JVM_ARGS="--add-opens jdk.crypto.cryptoki/sun.security.pkcs11=ALL-UNNAMED --add-exports jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED"

# Lowest Java feature release that Coffre builds and runs on (maven.compiler.release).
COFFRE_MIN_JAVA=21

# ---------------------------------------------------------------------------------------------
# Messages

# The calling script's name, for message prefixes.
coffre_prog() {
    basename "${0:-coffre}"
}

coffre_info() {
    printf '%s: %s\n' "$(coffre_prog)" "$*" >&2
}

coffre_warn() {
    printf '%s: warning: %s\n' "$(coffre_prog)" "$*" >&2
}

# coffre_die MESSAGE... — prints the message (one argument per line) and exits 1.
coffre_die() {
    local first=1 line
    for line in "$@"; do
        if ((first)); then
            printf '%s: error: %s\n' "$(coffre_prog)" "$line" >&2
            first=0
        else
            printf '  %s\n' "$line" >&2
        fi
    done
    exit 1
}

# ---------------------------------------------------------------------------------------------
# JDK

# coffre_java_major JAVA_BIN — prints the feature release of that java (8, 17, 21, 25, ...), or
# nothing if it does not run.
coffre_java_major() {
    local java_bin="$1" version="" release
    [[ -x "$java_bin" ]] || return 0
    # A JDK's release file says JAVA_VERSION="25.0.3": reading it spares starting a JVM on every
    # launcher call (~50 ms of each short CLI call). Without one, ask java itself.
    release="$(dirname "$(dirname "$(readlink -f "$java_bin")")")/release"
    if [[ -r "$release" ]]; then
        version="$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$release" | head -n 1)"
    fi
    if [[ -z "$version" ]]; then
        # First line looks like: openjdk version "25.0.3" 2026-04-21 LTS  (or "1.8.0_402", or "21").
        version="$("$java_bin" -version 2>&1 | sed -n 's/^[^"]* version "\([^"]*\)".*/\1/p' | head -n 1)" || return 0
    fi
    version="${version#1.}"
    version="${version%%[.+_-]*}"
    if [[ "$version" =~ ^[0-9]+$ ]]; then
        printf '%s\n' "$version"
    fi
}

# coffre_find_jdk — exports JAVA_HOME to a JDK >= 21 and puts its bin/ first on PATH.
# Order: an existing JAVA_HOME if it is recent enough; else the highest release under
# /usr/lib/jvm; else the `java` on PATH. Stops with instructions when none fits.
# Set COFFRE_VERBOSE=1 to be told which JDK was chosen.
coffre_find_jdk() {
    local min="$COFFRE_MIN_JAVA" major best_home="" best_major=0 candidate home java_on_path

    if [[ -n "${JAVA_HOME:-}" ]]; then
        major="$(coffre_java_major "$JAVA_HOME/bin/java")"
        if [[ -n "$major" ]] && ((major >= min)); then
            best_home="$JAVA_HOME"
            best_major="$major"
        else
            coffre_warn "ignoring JAVA_HOME=$JAVA_HOME (Java ${major:-not found}; Coffre needs $min or newer)"
        fi
    fi

    if [[ -z "$best_home" ]]; then
        for candidate in /usr/lib/jvm/*/bin/java; do
            [[ -x "$candidate" ]] || continue
            home="$(dirname "$(dirname "$candidate")")"
            # Debian adds symlinked aliases (java-1.17.0-openjdk-amd64 -> java-17-openjdk-amd64).
            [[ -L "$home" ]] && continue
            major="$(coffre_java_major "$candidate")"
            if [[ -n "$major" ]] && ((major >= min && major > best_major)); then
                best_home="$home"
                best_major="$major"
            fi
        done
    fi

    if [[ -z "$best_home" ]] && java_on_path="$(command -v java 2>/dev/null)"; then
        major="$(coffre_java_major "$java_on_path")"
        if [[ -n "$major" ]] && ((major >= min)); then
            best_home="$(dirname "$(dirname "$(readlink -f "$java_on_path")")")"
            best_major="$major"
        fi
    fi

    if [[ -z "$best_home" ]]; then
        coffre_die "no JDK $min or newer found (checked JAVA_HOME, /usr/lib/jvm/*, and java on PATH)." \
            "Debian 12's own packages stop at OpenJDK 17. Install Eclipse Temurin $min or 25 from Adoptium:" \
            "  - as a .deb from Adoptium's apt repository (package temurin-25-jdk), which lands in /usr/lib/jvm, or" \
            "  - as a tarball unpacked anywhere, then: export JAVA_HOME=/path/to/jdk" \
            "then run this command again."
    fi

    export JAVA_HOME="$best_home"
    COFFRE_JAVA_MAJOR="$best_major"
    case ":$PATH:" in
        ":$JAVA_HOME/bin:"*) ;;
        *) PATH="$JAVA_HOME/bin:$PATH" ;;
    esac
    export PATH
    if [[ -n "${COFFRE_VERBOSE:-}" ]]; then
        coffre_info "using Java $best_major at $JAVA_HOME"
    fi
}

# ---------------------------------------------------------------------------------------------
# Debian packages

# coffre_base_packages — prints the packages every Coffre developer and CI machine needs:
# SoftHSM2 (the dev and test HSM), OpenSC (pkcs11-tool, to look into tokens), OpenSSL (dev PKI,
# PINs), and Maven when no `mvn` is installed.
coffre_base_packages() {
    local pkgs=(softhsm2 opensc openssl)
    if ! command -v mvn >/dev/null 2>&1; then
        pkgs+=(maven)
    fi
    printf '%s\n' "${pkgs[@]}"
}

# Extra packages that the test suite needs, on top of coffre_base_packages: PostgreSQL for the
# cluster store's tests (started by coffre_start_test_services below; deploy/dev/test.sh, and so
# CI, calls both); the Prometheus Python client, whose exposition parser MetricsIT reads /metrics with.
COFFRE_TEST_EXTRA_PACKAGES=(postgresql python3-prometheus-client)

# coffre_test_packages — prints what deploy/dev/test.sh installs.
coffre_test_packages() {
    coffre_base_packages
    if ((${#COFFRE_TEST_EXTRA_PACKAGES[@]} > 0)); then
        printf '%s\n' "${COFFRE_TEST_EXTRA_PACKAGES[@]}"
    fi
}

# coffre_start_test_services — starts the services the integration tests need: a dedicated
# PostgreSQL cluster on 127.0.0.1:55432 (deploy/lib/postgres.sh), whose connection settings it
# exports as COFFRE_TEST_PG_* for every test JVM.
coffre_start_test_services() {
    # shellcheck source=SCRIPTDIR/postgres.sh
    source "$COFFRE_ROOT/deploy/lib/postgres.sh"
    coffre_pg_test_up
}

# True if the Debian package is installed (not merely known, or removed with its config files).
coffre_package_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

# coffre_ensure_packages PKG... — installs the Debian packages that are missing, nothing else.
coffre_ensure_packages() {
    local missing=() pkg
    (($# > 0)) || return 0
    if ! command -v dpkg-query >/dev/null 2>&1; then
        coffre_die "this is not a Debian-based system (no dpkg-query): install these yourself, then retry: $*"
    fi
    for pkg in "$@"; do
        coffre_package_installed "$pkg" || missing+=("$pkg")
    done
    ((${#missing[@]} > 0)) || return 0

    if ((EUID != 0)); then
        coffre_die "missing Debian packages: ${missing[*]}" \
            "installing them needs root; run:  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" \
            "then run this command again."
    fi
    coffre_info "installing Debian packages: ${missing[*]}"
    # One `apt-get update` per process, however many times this is called.
    if [[ -z "${COFFRE_APT_UPDATED:-}" ]]; then
        apt-get update -q >&2 || coffre_die "apt-get update failed (see above)"
        COFFRE_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 ||
        coffre_die "apt-get install ${missing[*]} failed (see above)"
}

# ---------------------------------------------------------------------------------------------
# Maven

# coffre_mvn ARGS... — runs Maven in batch mode on the repository's root pom, without colours or
# download progress (readable in CI logs). Run coffre_find_jdk first so that Maven uses that JDK.
coffre_mvn() {
    command -v mvn >/dev/null 2>&1 ||
        coffre_die "mvn not found: run deploy/dev/start.sh (installs it) or apt-get install maven"
    local maven_opts="${MAVEN_OPTS:-}"
    # Maven 3.8's bundled Guava uses sun.misc.Unsafe; JDK 23+ warns about it on every run.
    if ((${COFFRE_JAVA_MAJOR:-0} >= 23)); then
        maven_opts="${maven_opts:+$maven_opts }--sun-misc-unsafe-memory-access=allow"
    fi
    # Debian 12's Maven 3.8.7 still writes colour resets (ESC[0m) on stdout and stderr, -q or not,
    # although -B and style.color=never turn colours off (and jansi's own switches and TERM=dumb do
    # not stop them): strip every ANSI escape so that logs (start.sh's, CI's) stay plain text.
    # pipefail keeps Maven's exit status; stderr is filtered apart so that it stays stderr.
    (
        set -o pipefail
        cd "$COFFRE_ROOT" &&
            MAVEN_OPTS="$maven_opts" mvn -B -Dstyle.color=never --no-transfer-progress "$@" \
                2> >(coffre_strip_ansi >&2) | coffre_strip_ansi
    )
}

# coffre_strip_ansi — copies stdin to stdout without ANSI escape sequences (colours, cursor
# moves), line by line as it comes (sed -u), so that progress still shows as it happens.
coffre_strip_ansi() {
    sed -u -e 's/\x1b\[[0-9;?]*[A-Za-z]//g'
}

# ---------------------------------------------------------------------------------------------
# Launchers

# coffre_module_jar MODULE — prints the newest MODULE/target/MODULE-<version>.jar (not the tests,
# sources or javadoc jars), or nothing when the module is not built. In a release archive: the
# first jar of lib/MODULE.classpath.
coffre_module_jar() {
    local module="$1" jar best=""
    if [[ -n "$COFFRE_DIST_LIB" ]]; then
        [[ -r "$COFFRE_DIST_LIB/$module.classpath" ]] || return 0
        IFS= read -r jar <"$COFFRE_DIST_LIB/$module.classpath" || true
        if [[ -n "$jar" && -f "$COFFRE_DIST_LIB/$jar" ]]; then
            printf '%s\n' "$COFFRE_DIST_LIB/$jar"
        fi
        return 0
    fi
    for jar in "$COFFRE_ROOT/$module/target/$module"-*.jar; do
        [[ -f "$jar" ]] || continue
        case "$jar" in
            *-tests.jar | *-sources.jar | *-javadoc.jar) continue ;;
        esac
        if [[ -z "$best" || "$jar" -nt "$best" ]]; then
            best="$jar"
        fi
    done
    if [[ -n "$best" ]]; then
        printf '%s\n' "$best"
    fi
}

# coffre_write_cli_config FILE IDENTITY ENDPOINTS ABOUT — a CLI connection file (mode 600, replaced
# in one move) as the dev PKI's IDENTITY (pki/IDENTITY.{pem,key} beside FILE) to ENDPOINTS
# (host:port[,host:port...]); ABOUT is its first comment line.
coffre_write_cli_config() {
    local file="$1" identity="$2" endpoints="$3" about="$4" tmp
    tmp="$(mktemp "$file.XXXXXX")"
    cat >"$tmp" <<EOF
# $about
# Use: deploy/bin/coffre COMMAND ... --cli-config $file
# Relative paths resolve against this file's directory.
endpoint=$endpoints
ca-cert=pki/ca.pem
cert=pki/$identity.pem
key=pki/$identity.key
timeout=10
EOF
    chmod 600 "$tmp"
    mv -f "$tmp" "$file"
}

# The heap of a server node when JAVA_OPTS does not size it. Its live set is ~50 MiB with 10,000
# keys (after a full GC, measured under load); without a limit G1 let a busy node on a 24 GiB
# machine grow to 4.7 GiB of RSS. docs/performance.md has the peak RSS with this default.
COFFRE_SERVER_HEAP="-Xms64m -Xmx256m"

# When G1 starts a concurrent cycle (unless JAVA_OPTS says): at 70 % of the heap, not where G1's
# adaptive threshold puts it. Under load on 2 cores marking runs slowly, the adaptive threshold
# fell low and G1 ran cycles almost back to back (a remark pause of 4-11 ms every ~0.7 s): 67-72
# remarks in a wrap+unwrap run at 64 in flight, 5-6 with this; docs/performance.md has the runs.
COFFRE_SERVER_GC="-XX:-G1UseAdaptiveIHOP -XX:InitiatingHeapOccupancyPercent=70"

# coffre_server_jvm_opts JAVA_OPTS — prints COFFRE_SERVER_HEAP unless JAVA_OPTS already sets a
# maximum heap (-Xmx, -XX:MaxHeapSize, -XX:MaxRAM, -XX:MaxRAMPercentage), and COFFRE_SERVER_GC
# unless it sets the threshold itself or chooses another collector.
coffre_server_jvm_opts() {
    case " ${1:-} " in
        *" -Xmx"* | *" -XX:MaxHeapSize="* | *" -XX:MaxRAM="* | *" -XX:MaxRAMPercentage="*) ;;
        *) printf '%s ' "$COFFRE_SERVER_HEAP" ;;
    esac
    case " ${1:-} " in
        *"InitiatingHeapOccupancyPercent"* | *"G1UseAdaptiveIHOP"* | *" -XX:+UseZGC "* | *" -XX:+UseParallelGC "* \
            | *" -XX:+UseSerialGC "* | *" -XX:+UseShenandoahGC "* | *" -XX:+UseEpsilonGC "*) ;;
        *) printf '%s' "$COFFRE_SERVER_GC" ;;
    esac
    printf '\n'
}

# coffre_base_jvm_args — prints, one per line, the JVM options every Coffre JVM starts with:
# COFFRE_JVM_ARGS and those that depend on the JDK release. Run coffre_find_jdk first.
coffre_base_jvm_args() {
    local jvm_args=()
    # Split on whitespace on purpose: a list of JVM options (globbing stays off).
    read -r -a jvm_args <<<"$COFFRE_JVM_ARGS"
    # Newer JDKs warn on every start that Netty loads its native library and that protobuf and
    # Guava use sun.misc.Unsafe: noise on every CLI call. Allow both explicitly where the JDK has
    # the option (JDK 21 would reject --sun-misc-unsafe-memory-access); nothing else changes.
    if ((COFFRE_JAVA_MAJOR >= 22)); then
        jvm_args+=(--enable-native-access=ALL-UNNAMED)
    fi
    if ((COFFRE_JAVA_MAJOR >= 23)); then
        jvm_args+=(--sun-misc-unsafe-memory-access=allow)
    fi
    printf '%s\n' "${jvm_args[@]}"
}

# coffre_module_classpath MODULE — prints the launchers' -cp for MODULE: its jar and target/lib/*,
# or in a release archive every jar that lib/MODULE.classpath names.
coffre_module_classpath() {
    if [[ -n "$COFFRE_DIST_LIB" ]]; then
        local files=()
        mapfile -t files < <(coffre_module_classpath_files "$1")
        local IFS=:
        printf '%s\n' "${files[*]}"
        return 0
    fi
    printf '%s\n' "$(coffre_module_jar "$1"):$COFFRE_ROOT/$1/target/lib/*"
}

# coffre_module_classpath_files MODULE — prints each file of MODULE's class path, one a line.
coffre_module_classpath_files() {
    local module="$1" name
    if [[ -n "$COFFRE_DIST_LIB" ]]; then
        while IFS= read -r name; do
            [[ -n "$name" ]] && printf '%s\n' "$COFFRE_DIST_LIB/$name"
        done <"$COFFRE_DIST_LIB/$module.classpath"
        return 0
    fi
    coffre_module_jar "$module"
    for name in "$COFFRE_ROOT/$module/target/lib/"*.jar; do
        [[ -f "$name" ]] && printf '%s\n' "$name"
    done
    return 0
}

# coffre_module_built MODULE — true when MODULE's program can run: its jar and its dependencies.
coffre_module_built() {
    local jar
    jar="$(coffre_module_jar "$1")"
    [[ -n "$jar" ]] || return 1
    [[ -n "$COFFRE_DIST_LIB" || -d "$COFFRE_ROOT/$1/target/lib" ]]
}

# The CLI's JIT, collector and Netty: a call lives about a second, so only C1 compiles (C2's work
# would never pay back), the serial collector saves G1's set-up and threads, and Netty is kept from
# starting Flight Recorder's classes to see whether it may emit its own JFR events (~60 ms of CPU
# per call; the CLI records nothing). docs/performance.md has the measurements.
COFFRE_CLI_JVM_ARGS=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dio.grpc.netty.shaded.io.netty.jfr.enabled=false)

# coffre_cli_startup_args — prints, one per line, the JVM options that make a CLI call start fast:
# COFFRE_CLI_JVM_ARGS and a class-data sharing archive of the classes a call loads (mapped ready
# to use instead of read from jars and verified). The archive lives in $COFFRE_CACHE_DIR (default
# ${XDG_CACHE_HOME:-~/.cache}/coffre), one per JDK and checkout; it is made by a training run
# (coffre.kms.cli.StartupTraining, ~3 s, once) when missing or older than a jar of the CLI or the
# JDK's runtime image, so a rebuild or a JDK update never leaves a stale one in use. Without a
# cache directory of this user's that only they can write, or with COFFRE_CLI_CDS=0, calls run
# without it. Run coffre_find_jdk first.
coffre_cli_startup_args() {
    printf '%s\n' "${COFFRE_CLI_JVM_ARGS[@]}"
    [[ "${COFFRE_CLI_CDS:-1}" != 0 ]] || return 0
    local cache="${COFFRE_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/coffre}"
    # The archive is code the JVM maps: use only a directory of this user's that nobody else can
    # write to (a shared /tmp would let another user plant classes), else run without it.
    (umask 077 && mkdir -p "$cache") 2>/dev/null || return 0
    [[ -O "$cache" && -w "$cache" && -z "$(find "$cache" -maxdepth 0 -perm /022 2>/dev/null)" ]] || return 0
    local key archive stale=0 file base_args=() tmp
    key="$(printf '%s\n' "$JAVA_HOME" "$COFFRE_ROOT" | cksum | cut -d' ' -f1)"
    archive="$cache/kms-cli-java$COFFRE_JAVA_MAJOR-$key.jsa"
    if [[ ! -s "$archive" || "$JAVA_HOME/lib/modules" -nt "$archive" ]]; then
        stale=1
    else
        while IFS= read -r file; do
            if [[ "$file" -nt "$archive" ]]; then
                stale=1
                break
            fi
        done < <(coffre_module_classpath_files kms-cli)
    fi
    if ((stale)); then
        mapfile -t base_args < <(coffre_base_jvm_args)
        # Written aside and moved into place, so a concurrent call never maps a half-written file.
        tmp="$archive.$$.tmp"
        if "$JAVA_HOME/bin/java" "${base_args[@]}" "${COFFRE_CLI_JVM_ARGS[@]}" -XX:ArchiveClassesAtExit="$tmp" \
            -Xlog:cds=off -Xlog:cds+dynamic=off -cp "$(coffre_module_classpath kms-cli)" \
            coffre.kms.cli.StartupTraining >/dev/null 2>&1 && [[ -s "$tmp" ]]; then
            mv -f "$tmp" "$archive"
        else
            rm -f "$tmp" "$archive"
        fi
    fi
    if [[ -s "$archive" && -O "$archive" ]]; then
        # The JVM checks the archive against the class path itself and ignores a mismatched one;
        # its logging is off so that such a case costs only time, never a warning in the output.
        printf '%s\n' "-XX:SharedArchiveFile=$archive" -Xlog:cds=off -Xlog:cds+dynamic=off
    fi
}

# coffre_exec_java MODULE MAIN_CLASS ARGS... — replaces the shell with
#   java <coffre_base_jvm_args> $COFFRE_EXTRA_JVM_ARGS $JAVA_OPTS -cp <coffre_module_classpath MODULE> MAIN_CLASS ARGS...
# after finding a JDK; stops with a "build first" message when the module is not built.
# COFFRE_EXTRA_JVM_ARGS is an optional array a launcher sets (e.g. coffre_cli_startup_args).
coffre_exec_java() {
    local module="$1" main_class="$2" jvm_args=() java_opts=()
    shift 2
    if ! coffre_module_built "$module"; then
        if [[ -n "$COFFRE_DIST_LIB" ]]; then
            coffre_die "this release archive has no $module (no lib/$module.classpath, or its first jar is missing in $COFFRE_DIST_LIB)."
        fi
        coffre_die "$module is not built (no $module/target/$module-*.jar with target/lib/ under $COFFRE_ROOT)." \
            "Build first: deploy/dev/start.sh (builds, then starts a dev server), or" \
            "  cd '$COFFRE_ROOT' && mvn -B package -DskipTests"
    fi
    coffre_find_jdk
    mapfile -t jvm_args < <(coffre_base_jvm_args)
    # Split on whitespace on purpose: a list of JVM options (globbing stays off).
    read -r -a java_opts <<<"${JAVA_OPTS:-}"
    exec "$JAVA_HOME/bin/java" "${jvm_args[@]}" ${COFFRE_EXTRA_JVM_ARGS[@]+"${COFFRE_EXTRA_JVM_ARGS[@]}"} \
        "${java_opts[@]}" -cp "$(coffre_module_classpath "$module")" "$main_class" "$@"
}
