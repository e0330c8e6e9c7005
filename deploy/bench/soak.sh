#!/usr/bin/env bash
# Audit soak (issue 18): a node under load long enough to write millions of audit events, stopped
# with SIGTERM and started again with the same command, then its chain verified and every call it
# acknowledged found in its log.
#
#   deploy/bench/soak.sh [--events N] [--round S] [-c N] [--out DIR] [--no-build]
#
# 1. A node like deploy/dev/start.sh's (its own PKI, SoftHSM2 token, officers, H2 store, all under
#    DIR; .dev/ is not touched), started by deploy/bin/coffre-server with its default heap.
# 2. Rounds of wrap and unwrap (1:1) at -c calls in flight (default 64), --round seconds each
#    (default 60 s), until the calls the load tool saw acknowledged — its envelopes and warm-up
#    included — reach --events (default 3,000,000).
# 3. SIGTERM, then the same command again: how long until it listens again, its peak RSS then.
# 4. coffre audit verify (its time and the events it checked), and an export of the log, in which
#    the ALLOWED WRAP and UNWRAP events of the load tool's principal must number exactly the calls
#    the load tool saw acknowledged.
#
# Prints a summary and writes DIR/results.json (default DIR: target/soak/<timestamp>). Exits 1 if
# the node does not start again, the chain does not verify or an acknowledged call is missing.
# Needs the modules built (it builds them unless --no-build), SoftHSM2 and jq.
set -euo pipefail

# shellcheck source=SCRIPTDIR/../lib/common.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../lib/common.sh"

usage() {
    awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}" >&2
    exit 2
}

EVENTS=3000000 ROUND=60 CONCURRENCY=64 OUT="" BUILD=1
SERVER_PID="" START_SECONDS=""

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
    local p
    for ((p = 19400 + RANDOM % 1000; ; p++)); do
        port_in_use "$p" || { printf '%s\n' "$p"; return; }
    done
}

# start_node LOG — starts the node in the background (SERVER_PID) and waits until it listens;
# START_SECONDS is how long that took. Returns 1 if the node stopped instead.
start_node() {
    local log="$1" t0 tries=0
    t0="$(date +%s.%N)"
    ! port_in_use "$PORT" || coffre_die "127.0.0.1:$PORT is still in use"
    (cd "$COFFRE_ROOT" && SOFTHSM2_CONF="$SRV/softhsm/softhsm2.conf" \
        exec bash "$COFFRE_ROOT/deploy/bin/coffre-server" --config "$SRV/coffre.yaml" >>"$log" 2>&1) &
    SERVER_PID=$!
    until port_in_use "$PORT"; do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            SERVER_PID=""
            return 1
        fi
        ((tries++ < 1200)) || coffre_die "nothing listens on 127.0.0.1:$PORT after 10 minutes"
        sleep 0.5
    done
    START_SECONDS="$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f\n", b - a }')"
}

stop_node() {
    [[ -n "$SERVER_PID" ]] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

# vm_hwm_mib — the node's peak resident memory (the JVM is the launcher's child or itself).
vm_hwm_mib() {
    local pid
    pid="$(pgrep -f "coffre.kms.server.Main --config $SRV/coffre.yaml" | head -n 1)"
    [[ -n "$pid" ]] || { echo 0; return; }
    awk '/^VmHWM:/ { printf "%d\n", $2 / 1024 }' "/proc/$pid/status"
}

cli() {
    bash "$COFFRE_ROOT/deploy/bin/coffre" "$@" --cli-config "$SRV/cli-admin.properties"
}

main() {
    while (($# > 0)); do
        case "$1" in
            --events) (($# >= 2)) && [[ "$2" =~ ^[0-9]+$ ]] || usage; EVENTS="$2"; shift 2 ;;
            --round) (($# >= 2)) && [[ "$2" =~ ^[0-9]+$ ]] || usage; ROUND="$2"; shift 2 ;;
            -c) (($# >= 2)) && [[ "$2" =~ ^[0-9]+$ ]] || usage; CONCURRENCY="$2"; shift 2 ;;
            --out) (($# >= 2)) || usage; OUT="$2"; shift 2 ;;
            --no-build) BUILD=0; shift ;;
            -h | --help) usage ;;
            *) printf 'soak.sh: unknown argument: %s\n' "$1" >&2; usage ;;
        esac
    done
    coffre_ensure_packages softhsm2 openssl jq
    coffre_find_jdk
    if ((BUILD)); then
        coffre_info "building: mvn -B -q package -DskipTests"
        coffre_mvn -q package -DskipTests || coffre_die "the build failed"
    fi
    OUT="${OUT:-$COFFRE_ROOT/target/soak/$(date +%Y%m%d-%H%M%S)}"
    umask 077
    mkdir -p "$OUT/runs"
    OUT="$(cd "$OUT" && pwd -P)"
    SRV="$OUT/server"
    mkdir -p "$SRV/data"
    coffre_info "output directory: $OUT"
    trap stop_node EXIT
    trap 'exit 130' INT TERM

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
ca-cert=../pki/ca.pem
cert=../pki/admin.pem
key=../pki/admin.key
timeout=600
PROPS

    local first_start
    start_node "$OUT/server.log" || coffre_die "the node did not start (see $OUT/server.log)"
    first_start="$START_SECONDS"
    cli ceremony init "$OUT/officers/ceremony.doc" "$OUT"/officers/{alice,bob,carol}.sig >>"$OUT/setup.log" 2>&1 ||
        coffre_die "ceremony init failed (see $OUT/setup.log)"
    "$JAVA_HOME/bin/java" -cp "$(coffre_module_jar kms-cli):$COFFRE_ROOT/kms-cli/target/lib/*" \
        "$COFFRE_ROOT/deploy/bench/KeyMaker.java" "127.0.0.1:$PORT" "$OUT/pki/ca.pem" "$OUT/pki/admin.pem" \
        "$OUT/pki/admin.key" "$OUT/officers" 10 "$OUT/keys.txt" 2>>"$OUT/setup.log" ||
        coffre_die "creating keys failed (see $OUT/setup.log)"

    # ---- load until the acknowledged calls reach EVENTS ------------------------------------------
    local acknowledged=0 errors=0 round=0 load_started=$SECONDS
    while ((acknowledged < EVENTS)); do
        round=$((round + 1))
        bash "$COFFRE_ROOT/deploy/bin/coffre-loadtest" --json --label "soak-$round" --endpoint "127.0.0.1:$PORT" \
            --ca-cert "$OUT/pki/ca.pem" --cert "$OUT/pki/service.pem" --key "$OUT/pki/service.key" \
            --keys-file "$OUT/keys.txt" --op wrap=1,unwrap=1 -c "$CONCURRENCY" --duration "${ROUND}s" \
            --warmup 5s --envelopes 1000 --progress-interval 0s \
            >"$OUT/runs/soak-$round.json" 2>>"$OUT/loadtest.log" ||
            coffre_die "load round $round failed (see $OUT/loadtest.log)"
        acknowledged=$((acknowledged + $(jq -r .acknowledged "$OUT/runs/soak-$round.json")))
        errors=$((errors + $(jq -r '.errors + .unmeasured.warmupErrors' "$OUT/runs/soak-$round.json")))
        coffre_info "round $round: $(jq -r '.throughput | floor' "$OUT/runs/soak-$round.json") calls/s," \
            "$acknowledged acknowledged so far, $errors failed"
    done
    local load_seconds=$((SECONDS - load_started)) rss_before
    rss_before="$(vm_hwm_mib)"

    # ---- restart with the same command ------------------------------------------------------------
    local stop_started=$SECONDS
    stop_node
    local stop_seconds=$((SECONDS - stop_started)) second_start restarted=true rss_after=0
    if start_node "$OUT/server-restart.log"; then
        second_start="$START_SECONDS"
        rss_after="$(vm_hwm_mib)"
    else
        restarted=false second_start=null
        coffre_warn "the node did not start again: $(tail -n 3 "$OUT/server-restart.log")"
    fi

    # ---- the chain, and every acknowledged call in it --------------------------------------------
    local verified=false verify_seconds=null checked=null logged=null
    if [[ "$restarted" == true ]]; then
        local t0=$SECONDS
        if cli audit verify -o json >"$OUT/verify.json" 2>>"$OUT/verify.log"; then
            verified="$(jq -r .valid "$OUT/verify.json")"
        fi
        verify_seconds=$((SECONDS - t0))
        checked="$(jq -r '[.chains[].events_checked | tonumber] | add // 0' "$OUT/verify.json" 2>/dev/null || echo null)"
        cli audit export --principal spiffe://coffre.dev/service/demo --out "$OUT/audit.jsonl" 2>>"$OUT/verify.log" ||
            coffre_warn "the export failed (see $OUT/verify.log)"
        logged="$(grep -cE '"type":"(WRAP|UNWRAP)".*"decision":"ALLOWED"' "$OUT/audit.jsonl" || true)"
        stop_node
    fi

    jq -n --argjson events "$EVENTS" --argjson acknowledged "$acknowledged" --argjson errors "$errors" \
        --argjson rounds "$round" --argjson loadSeconds "$load_seconds" --argjson firstStart "$first_start" \
        --argjson stopSeconds "$stop_seconds" --argjson restarted "$restarted" --argjson secondStart "$second_start" \
        --argjson rssBeforeMiB "${rss_before:-0}" --argjson rssAfterRestartMiB "$rss_after" \
        --argjson verified "$verified" --argjson verifySeconds "$verify_seconds" --argjson eventsChecked "$checked" \
        --argjson loggedAllowed "$logged" \
        '{events: $events, acknowledged: $acknowledged, failedCalls: $errors, rounds: $rounds,
          loadSeconds: $loadSeconds, firstStartSeconds: $firstStart, stopSeconds: $stopSeconds,
          restarted: $restarted, restartSeconds: $secondStart, rssBeforeMiB: $rssBeforeMiB,
          rssAfterRestartMiB: $rssAfterRestartMiB, chainValid: $verified, verifySeconds: $verifySeconds,
          eventsChecked: $eventsChecked, loggedAllowedWrapUnwrap: $loggedAllowed}' >"$OUT/results.json"
    printf '\n== Coffre audit soak (%s) ==\n' "$OUT"
    jq -r 'to_entries[] | "  \(.key): \(.value)"' "$OUT/results.json"
    local ok=1
    [[ "$restarted" == true ]] || ok=0
    [[ "$verified" == true ]] || ok=0
    [[ "$logged" == "$acknowledged" ]] || { ok=0; coffre_warn "$acknowledged calls acknowledged, $logged in the log"; }
    ((ok)) && printf 'soak: passed\n' || { printf 'soak: FAILED\n'; exit 1; }
}

main "$@"
