#!/usr/bin/env bash
# Soak benchmark of the audit log (issue 18): a node under load long enough to write millions of
# audit events, stopped and started again, then its log checked. Prints its figures; not a test.
#
#   deploy/bench/soak.sh [--duration 6m] [--out DIR] [--no-build]
#
# 1. a fresh node (own PKI, SoftHSM token, officers, H2 store under DIR), started as
#    deploy/bin/coffre-server starts one (the default heap: -Xmx256m), 10 keys made through the quorum;
# 2. wrap and unwrap at 64 in flight for --duration after a 10 s warm-up; the load tool's report
#    counts every call it saw acknowledged (its `acknowledged`: the run, the warm-up and the
#    envelopes it wrapped first for unwrap);
# 3. the node stopped with SIGTERM and started again with the same command: the time to SERVING,
#    the peak RSS after start, and whether it started at all (the failure of issue 18);
# 4. `coffre audit verify` (streamed, its progress on stderr): the chain valid, its length and time;
# 5. every WRAP and UNWRAP event exported (`coffre audit export --type ...`, index-bound pages) and
#    the ALLOWED ones counted: each acknowledged call must be there (events >= acknowledged);
# 6. a filtered query of a rare type (`--type DISABLE_KEY --key K --limit 0`) and its time.
#
# Writes DIR/soak.json and DIR/*.log (default DIR: target/soak/<timestamp>). Needs SoftHSM2 and jq.
set -euo pipefail

# shellcheck source=SCRIPTDIR/../lib/common.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../lib/common.sh"

DURATION=6m OUT="" BUILD=1 SPID="" START_MS=0

usage() {
    awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}" >&2
    exit 2
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
    local p
    for ((p = 19400 + RANDOM % 1000; ; p++)); do
        port_in_use "$p" || { printf '%s\n' "$p"; return; }
    done
}

stop_server() {
    [[ -n "$SPID" ]] || return 0
    kill -TERM "$SPID" 2>/dev/null || true
    local i
    for ((i = 0; i < 120; i++)); do
        kill -0 "$SPID" 2>/dev/null || break
        sleep 0.5
    done
    kill -KILL "$SPID" 2>/dev/null || true
    wait "$SPID" 2>/dev/null || true
    SPID=""
}

# snapshot MODULE — copies MODULE's jar and target/lib under $OUT/app and prints the class path: a
# build in this tree during the soak (tests) must not replace the jars a running node or CLI loads.
snapshot() {
    local m="$1" dest="$OUT/app/$1"
    mkdir -p "$dest/lib"
    cp "$(coffre_module_jar "$m")" "$dest/"
    cp "$COFFRE_ROOT/$m/target/lib/"*.jar "$dest/lib/"
    printf '%s\n' "$dest/*:$dest/lib/*"
}

# jvm_flags — the JVM flags deploy/bin/* give every module, one per line.
jvm_flags() {
    local flags
    read -r -a flags <<<"$COFFRE_JVM_ARGS"
    ((COFFRE_JAVA_MAJOR < 22)) || flags+=(--enable-native-access=ALL-UNNAMED)
    ((COFFRE_JAVA_MAJOR < 23)) || flags+=(--sun-misc-unsafe-memory-access=allow)
    printf '%s\n' "${flags[@]}"
}

# run_java CLASSPATH MAIN ARGS... — as deploy/bin/* run a module (same JVM flags and JAVA_OPTS).
run_java() {
    local cp="$1" main="$2" jvm_args java_opts
    shift 2
    mapfile -t jvm_args < <(jvm_flags)
    read -r -a java_opts <<<"${JAVA_OPTS:-}"
    "$JAVA_HOME/bin/java" "${jvm_args[@]}" "${java_opts[@]}" -cp "$cp" "$main" "$@"
}

# start_server LOG — starts the node as deploy/bin/coffre-server does (its default heap and GC
# settings unless JAVA_OPTS sets them); sets SPID, and START_MS to the milliseconds until it listens,
# or dies with the log. Not in a $(...): SPID must be set in this shell.
start_server() {
    local log="$1" t0 tries=0 jvm_args java_opts
    mapfile -t jvm_args < <(jvm_flags)
    read -r -a java_opts <<<"$(coffre_server_jvm_opts "${JAVA_OPTS:-}") ${JAVA_OPTS:-}"
    t0="$(date +%s%N)"
    # Started directly in the background (no subshell), so that SPID is the JVM and SIGTERM reaches it.
    SOFTHSM2_CONF="$SRV/softhsm/softhsm2.conf" "$JAVA_HOME/bin/java" "${jvm_args[@]}" "${java_opts[@]}" \
        -cp "$SERVER_CP" coffre.kms.server.Main --config "$SRV/coffre.yaml" >"$log" 2>&1 &
    SPID=$!
    until port_in_use "$PORT"; do
        if ! kill -0 "$SPID" 2>/dev/null; then
            tail -n 20 "$log" >&2
            coffre_die "the node did not start (see $log)"
        fi
        ((tries++ < 600)) || coffre_die "the node does not listen after 300 s (see $log)"
        sleep 0.5
    done
    START_MS="$(( ($(date +%s%N) - t0) / 1000000 ))"
}

vm_hwm_mib() {
    awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$SPID/status" 2>/dev/null || printf 'n/a'
}

cli() {
    run_java "$CLI_CP" coffre.kms.cli.CoffreCli "$@" --cli-config "$SRV/cli-admin.properties"
}

main() {
    while (($# > 0)); do
        case "$1" in
            --duration) (($# >= 2)) || usage; DURATION="$2"; shift 2 ;;
            --out) (($# >= 2)) || usage; OUT="$2"; shift 2 ;;
            --no-build) BUILD=0; shift ;;
            -h | --help) usage ;;
            *) printf 'soak.sh: unknown argument: %s\n' "$1" >&2; usage ;;
        esac
    done
    coffre_ensure_packages softhsm2 openssl jq
    coffre_find_jdk
    if ((BUILD)); then
        coffre_info "building kms-loadtest, kms-server, kms-cli (mvn package -DskipTests)"
        coffre_mvn -q package -DskipTests -pl kms-loadtest,kms-server,kms-cli -am || coffre_die "the build failed"
    fi
    OUT="${OUT:-$COFFRE_ROOT/target/soak/$(date +%Y%m%d-%H%M%S)}"
    umask 077
    mkdir -p "$OUT"
    OUT="$(cd "$OUT" && pwd -P)"
    SRV="$OUT/server"
    mkdir -p "$SRV/data"
    trap stop_server EXIT
    trap 'exit 130' INT TERM
    coffre_info "output directory: $OUT"
    SERVER_CP="$(snapshot kms-server)" CLI_CP="$(snapshot kms-cli)" LOAD_CP="$(snapshot kms-loadtest)"

    bash "$COFFRE_ROOT/deploy/dev/pki.sh" "$OUT/pki" 2>>"$OUT/setup.log"
    bash "$COFFRE_ROOT/deploy/dev/softhsm-token.sh" "$SRV/softhsm" coffre-soak 2>>"$OUT/setup.log"
    bash "$COFFRE_ROOT/deploy/dev/officers.sh" "$OUT/officers" 2>>"$OUT/setup.log"
    PORT="$(free_port)"
    cat >"$SRV/coffre.yaml" <<YAML
# Soak node written by deploy/bench/soak.sh.
node:
  id: soak-1
server:
  host: 127.0.0.1
  port: $PORT
tls:
  certificate: ../pki/server.pem
  privateKey: ../pki/server.key
  clientCa: ../pki/ca.pem
hsm:
  profile: softhsm2
  tokenLabel: coffre-soak
  pinFile: softhsm/hsm.pin
  sessions: 4
store:
  type: h2
  path: data/coffre
authorization:
  administrators: ["spiffe://coffre.dev/admin"]
  officers: ["spiffe://coffre.dev/officer/*"]
  clients: ["spiffe://coffre.dev/service/*"]
YAML
    cat >"$SRV/cli-admin.properties" <<PROPS
endpoint=127.0.0.1:$PORT
ca-cert=$OUT/pki/ca.pem
cert=$OUT/pki/admin.pem
key=$OUT/pki/admin.key
timeout=30
PROPS
    local first_start
    start_server "$OUT/server-1.log"
    first_start="$START_MS"
    cli ceremony init "$OUT/officers/ceremony.doc" "$OUT"/officers/{alice,bob,carol}.sig >>"$OUT/setup.log" 2>&1 ||
        coffre_die "ceremony init failed (see $OUT/setup.log)"
    # KeyMaker runs on kms-cli's class path: the CLI's signing code, and kms-client's jar from its lib/.
    "$JAVA_HOME/bin/java" -cp "$CLI_CP" "$COFFRE_ROOT/deploy/bench/KeyMaker.java" "127.0.0.1:$PORT" \
        "$OUT/pki/ca.pem" "$OUT/pki/admin.pem" "$OUT/pki/admin.key" "$OUT/officers" 10 "$OUT/keys.txt" \
        2>>"$OUT/setup.log" || coffre_die "creating keys failed (see $OUT/setup.log)"

    coffre_info "load: wrap and unwrap at 64 in flight for $DURATION after a 10 s warm-up (every call counts)"
    run_java "$LOAD_CP" coffre.kms.loadtest.LoadTest --json --label soak --duration "$DURATION" --warmup 10s \
        --endpoint "127.0.0.1:$PORT" --ca-cert "$OUT/pki/ca.pem" --cert "$OUT/pki/service.pem" \
        --key "$OUT/pki/service.key" --keys-file "$OUT/keys.txt" --op wrap=1,unwrap=1 -c 64 \
        >"$OUT/load.json" 2>"$OUT/load.log" || coffre_die "the load test failed (see $OUT/load.log)"
    local successes errors rss_load envelopes warmed
    successes="$(jq -r .successes "$OUT/load.json")"
    # Acknowledged before the measured run too: the envelopes wrapped for unwrap, and the warm-up.
    envelopes="$(jq -r .unmeasured.setupSuccesses "$OUT/load.json")"
    warmed="$(jq -r .unmeasured.warmupSuccesses "$OUT/load.json")"
    errors="$(jq -r '.errors + .unmeasured.warmupErrors' "$OUT/load.json")"
    rss_load="$(vm_hwm_mib)"
    local size_mib
    size_mib="$(du -m "$SRV/data/coffre.mv.db" | awk '{ print $1 }')"

    coffre_info "stopping the node (SIGTERM) and starting it again with the same command"
    stop_server
    ! port_in_use "$PORT" || coffre_die "the node still listens on $PORT after SIGTERM"
    grep -q "stopped\|stopping\|shut" "$OUT/server-1.log" || coffre_warn "the node's log says nothing of stopping"
    local restart_ms rss_start
    start_server "$OUT/server-2.log"
    restart_ms="$START_MS"
    sleep 2
    rss_start="$(vm_hwm_mib)"

    coffre_info "verifying the chain"
    local t0 verify_ms
    t0="$(date +%s%N)"
    cli audit verify --node soak-1 -o json >"$OUT/verify.json" 2>"$OUT/verify.log" ||
        coffre_die "verify failed or found the chain bad (see $OUT/verify.json, $OUT/verify.log)"
    verify_ms="$(( ($(date +%s%N) - t0) / 1000000 ))"
    local events
    events="$(jq -r '.chains[0].events_checked' "$OUT/verify.json")"

    coffre_info "exporting the WRAP and UNWRAP events to count the acknowledged calls"
    local export_ms allowed=0 type n
    t0="$(date +%s%N)"
    for type in WRAP UNWRAP; do
        cli audit export --type "$type" --node soak-1 --out "$OUT/export-$type.jsonl" 2>>"$OUT/export.log" ||
            coffre_die "export of $type failed (see $OUT/export.log)"
        n="$(grep -c '"decision":"ALLOWED"' "$OUT/export-$type.jsonl" || true)"
        allowed=$((allowed + n))
        rm -f "$OUT/export-$type.jsonl"
    done
    export_ms="$(( ($(date +%s%N) - t0) / 1000000 ))"

    local key query_ms
    key="$(head -n 1 "$OUT/keys.txt")"
    t0="$(date +%s%N)"
    cli audit query --type DISABLE_KEY --key "$key" --limit 0 >"$OUT/query.txt" 2>&1 ||
        coffre_die "the filtered query failed (see $OUT/query.txt)"
    query_ms="$(( ($(date +%s%N) - t0) / 1000000 ))"

    local complete=true acknowledged
    acknowledged="$(jq -r .acknowledged "$OUT/load.json")"
    ((allowed >= acknowledged)) || complete=false
    jq -n --arg duration "$DURATION" --argjson successes "$successes" --argjson errors "$errors" \
        --argjson envelopes "$envelopes" --argjson warmed "$warmed" --argjson acknowledged "$acknowledged" \
        --argjson events "$events" --argjson allowed "$allowed" --argjson firstStartMs "$first_start" \
        --argjson restartMs "$restart_ms" --arg rssLoadMib "$rss_load" --arg rssAfterRestartMib "$rss_start" \
        --argjson dbMib "$size_mib" --argjson verifyMs "$verify_ms" --argjson exportMs "$export_ms" \
        --argjson queryMs "$query_ms" --argjson complete "$complete" \
        '{duration: $duration, acknowledged: $acknowledged, successes: $successes,
          envelopesWrappedBefore: $envelopes, warmupSuccesses: $warmed, errors: $errors,
          chainEvents: $events,
          allowedWrapUnwrapEvents: $allowed, everyAcknowledgedCallLogged: $complete, dbMib: $dbMib,
          firstStartMs: $firstStartMs, restartMs: $restartMs, peakRssUnderLoadMib: $rssLoadMib,
          peakRssAfterRestartMib: $rssAfterRestartMib, verifyMs: $verifyMs, exportWrapUnwrapMs: $exportMs,
          filteredQueryMs: $queryMs}' | tee "$OUT/soak.json"
    printf '\n== Soak (%s): %s acknowledged calls (%s in the run, %s in the warm-up, %s envelopes before them; %s failed), %s events in the chain (%s MiB of store)\n' \
        "$DURATION" "$acknowledged" "$successes" "$warmed" "$envelopes" "$errors" "$events" "$size_mib"
    printf '   restart after SIGTERM: serving in %s ms (first start %s ms); peak RSS %s MiB under load, %s MiB after restart\n' \
        "$restart_ms" "$first_start" "$rss_load" "$rss_start"
    printf '   verify: valid, %s ms; WRAP+UNWRAP ALLOWED events %s >= acknowledged %s: %s (export %s ms); filtered query %s ms\n' \
        "$verify_ms" "$allowed" "$acknowledged" "$complete" "$export_ms" "$query_ms"
    [[ "$complete" == true ]] || coffre_die "acknowledged calls are missing from the audit log"
}

main "$@"
