#!/usr/bin/env bash
# XKS vs gRPC on one Coffre node (issue 20; docs/performance.md, "XKS vs gRPC"):
#
#   deploy/bench/xks.sh [--quick] [--out DIR] [--keys N] [--rounds N] [--duration S]
#                       [--http-version 2|1.1] [--jfr] [--no-build]
#
# One bench node (own PKI, SoftHSM token, officers and H2 store under DIR; .dev/ is not touched) with
# its XKS listener on; N keys (default 10) made through the quorum, each usable by the dev services
# and by the key store's principal; one external key store, its first SigV4 credential and its keys
# mapped as external ids bench-0 .. bench-<N-1> (deploy/bench/XksSetup.java: every widening step
# approved by two officers). Then, after an unmeasured warm-up of both protocols, at 64 calls in
# flight, in interleaved rounds (default 2; the even rounds start with XKS): gRPC wrap, XKS encrypt,
# gRPC unwrap, XKS decrypt -- the same keys, a 32-byte plaintext and 32 bytes of encryption context
# (gRPC) or AAD (XKS), the same load tool (coffre-loadtest --protocol xks signs each request with the
# AWS SDK's SigV4 signer and sends it over HTTP/2). Prints every run, the means of the rounds, the
# ratios XKS encrypt / gRPC wrap and XKS decrypt / gRPC unwrap, the CPU time per call of the server
# and of the load tool during each measured run (they share the cores: coffre-loadtest --server-pid),
# and the targets of issue 20 (ratio >= 0.8; XKS above AWS's default quota of 1,800 requests/s per
# key store; p99 far under AWS KMS's 250 ms time-out); writes DIR/results.json (default DIR:
# target/bench/xks-<timestamp>).
# --quick: short runs (a smoke test, ~2 min). --http-version 1.1: XKS over HTTP/1.1, a pool of 64
# connections (AWS KMS may connect either way). --jfr (or JFR=1): records with JDK Flight Recorder,
# for each measured run, the server (DIR/jfr/server-RUN.jfr, started by jcmd after the load tool's
# warm-up, for the run's duration) and the load tool (DIR/jfr/loadtest-RUN.jfr, after its warm-up),
# plus the server over its whole life (DIR/server.jfr, written when it stops), and prints the hot
# methods of each (DIR/jfr/*-hot-methods.txt); the recordings cost CPU, so measure without --jfr.
#
# The XKS_* settings just below say how the node's listener and key store are set up.
# Needs the modules built (it builds the missing ones unless --no-build), SoftHSM2 and jq.
set -euo pipefail

# ---- How the node's XKS listener is configured (docs/configuration.md, xks.*) ------------------------
# The block appended to the node's coffre.yaml to turn its XKS listener on; @PORT@ becomes a free
# port. COFFRE_BENCH_XKS_YAML replaces it without editing this file.
XKS_LISTENER_YAML="${COFFRE_BENCH_XKS_YAML:-xks:
  host: 127.0.0.1
  port: @PORT@
  tls:
    certificate: ../pki/server.pem
    privateKey: ../pki/server.key}"
# The key store the bench creates (name, XksProxyUriPath, region), and the principal its calls have
# in the keys' access policies (issue 20's design: xks:<key store name>).
XKS_STORE_NAME=bench
XKS_URI_PATH=/bench/kms/xks/v1
XKS_REGION=eu-west-3
XKS_PRINCIPAL="xks:$XKS_STORE_NAME"
# The host in the XKS URI: the dev PKI's server certificate names localhost and 127.0.0.1.
XKS_HOST=localhost
# ----------------------------------------------------------------------------------------------------

# shellcheck source=SCRIPTDIR/../lib/common.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"

usage() {
    # The header comment, up to the first line that is not a comment.
    awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}" >&2
    exit 2
}

QUICK=0 OUT="" KEY_COUNT=10 ROUNDS="" DURATION="" HTTP_VERSION=2 BUILD=1 JFR="${JFR:-0}" LOAD_AT_START=""
PIDS=() MEASURED=() RECORDERS=()


# run_round ROUND grpc|xks — one round: wrap and encrypt, then unwrap and decrypt, the protocol named
# first going first each time.
run_round() {
    local round="$1" first="$2" kind
    for kind in encrypt decrypt; do
        if [[ "$first" == grpc ]]; then
            grpc_run "$kind" "$round"
            xks_run "$kind" "$round"
        else
            xks_run "$kind" "$round"
            grpc_run "$kind" "$round"
        fi
    done
}

# grpc_run encrypt|decrypt ROUND — gRPC wrap or unwrap at 64 in flight (the caller's grpc arguments).
grpc_run() {
    local op=wrap
    [[ "$1" == encrypt ]] || op=unwrap
    measured_run "grpc-$op-c64-r$2" "${grpc[@]}" --op "$op" -c 64
}

# xks_run encrypt|decrypt ROUND — XKS encrypt or decrypt at 64 in flight (the caller's xks arguments).
xks_run() {
    measured_run "xks-$1-c64-r$2" "${xks[@]}" --op "xks-$1" -c 64
}

# measured_run NAME ARGS... — one measured run of the load tool, with the server's CPU time measured
# over it ($spid) and, with --jfr, both sides recorded after the warm-up.
measured_run() {
    local name="$1"
    shift
    if ((JFR)); then
        record_server "$name"
        LOADTEST_JFR="$OUT/jfr/loadtest-$name.jfr,$JFR_SAMPLING" loadtest "$name" "$@" --server-pid "$spid"
    else
        loadtest "$name" "$@" --server-pid "$spid"
    fi
    MEASURED+=("$name")
}

# record_server NAME — in the background: a JFR recording of the server ($spid) over the measured
# part of run NAME (from the end of the load tool's warm-up, for the run's duration), which the JVM
# writes to $OUT/jfr/server-NAME.jfr when the duration ends.
record_server() {
    local name="$1" start
    # The load tool's JVM start (about a second) then its warm-up; the recording starts a second late.
    start=$(( $(seconds_of "$WARMUP") + 2 ))
    (
        sleep "$start"
        "$JAVA_HOME/bin/jcmd" "$spid" JFR.start name="$name" settings=profile "$JFR_SAMPLING" \
            duration="$(( $(seconds_of "$DURATION") - 1 ))s" filename="$OUT/jfr/server-$name.jfr" >>"$OUT/setup.log" 2>&1 || true
    ) &
    RECORDERS+=("$!")
}

# Java stacks sampled every millisecond of a thread's run (the profile settings' 10 ms give a few hundred
# samples per run: too few to split a call's cost).
JFR_SAMPLING='jdk.ExecutionSample#period=1ms'

# hot_methods — the hot methods of every recording (jfr view), beside it.
hot_methods() {
    local f
    for f in "$OUT"/jfr/*.jfr "$OUT/server.jfr"; do
        [[ -f "$f" ]] || continue
        "$JAVA_HOME/bin/jfr" view --width 200 hot-methods "$f" >"${f%.jfr}-hot-methods.txt" 2>&1 || true
    done
    coffre_info "JFR recordings and their hot methods: $OUT/jfr/, $OUT/server.jfr"
}

main() {
    while (($# > 0)); do
        case "$1" in
            --quick) QUICK=1; shift ;;
            --out) (($# >= 2)) || usage; OUT="$2"; shift 2 ;;
            --keys) (($# >= 2)) && [[ "$2" =~ ^[1-9][0-9]*$ ]] || usage; KEY_COUNT="$2"; shift 2 ;;
            --rounds) (($# >= 2)) && [[ "$2" =~ ^[1-9][0-9]*$ ]] || usage; ROUNDS="$2"; shift 2 ;;
            --duration) (($# >= 2)) || usage; DURATION="$2"; shift 2 ;;
            --http-version) (($# >= 2)) && [[ "$2" == 2 || "$2" == 1.1 ]] || usage; HTTP_VERSION="$2"; shift 2 ;;
            --no-build) BUILD=0; shift ;;
            --jfr) JFR=1; shift ;;
            -h | --help) usage ;;
            *) printf 'xks.sh: unknown argument: %s\n' "$1" >&2; usage ;;
        esac
    done
    if ((QUICK)); then
        DURATION="${DURATION:-3s}" WARMUP=3s SERVER_WARMUP=8s ROUNDS="${ROUNDS:-1}"
    else
        # As run.sh: each load tool is a fresh JVM whose JIT must be done before measuring.
        DURATION="${DURATION:-10s}" WARMUP=20s SERVER_WARMUP=20s ROUNDS="${ROUNDS:-2}"
    fi

    coffre_ensure_packages softhsm2 openssl jq
    coffre_find_jdk
    build_if_needed
    OUT="${OUT:-$COFFRE_ROOT/target/bench/xks-$(date +%Y%m%d-%H%M%S)}"
    umask 077
    mkdir -p "$OUT/runs"
    ((JFR == 0)) || mkdir -p "$OUT/jfr"
    OUT="$(cd "$OUT" && pwd -P)"
    coffre_info "output directory: $OUT"
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    local started=$SECONDS
    LOAD_AT_START="$(cut -d' ' -f1-3 /proc/loadavg)"

    bash "$COFFRE_ROOT/deploy/dev/pki.sh" "$OUT/pki" 2>>"$OUT/setup.log"
    local pki="$OUT/pki" jvm_args
    read -r -a jvm_args <<<"$COFFRE_JVM_ARGS"

    # ---- the node, its XKS listener on ------------------------------------------------------------
    local srv="$OUT/server" xport cport spid
    xport="$(free_port)"
    start_bench_node "$srv" "${XKS_LISTENER_YAML//@PORT@/$xport}"
    cport="$BENCH_NODE_PORT" spid="$BENCH_NODE_PID"
    wait_port "$xport" "$spid"
    coffre_info "node: gRPC on 127.0.0.1:$cport, XKS on $XKS_HOST:$xport$XKS_URI_PATH"

    # ---- keys, key store, credential, mappings (all through the quorum) -----------------------------
    local cli_cp t0=$SECONDS
    cli_cp="$(snapshot_module kms-cli)"
    coffre_info "creating $KEY_COUNT keys (usable by the services and by $XKS_PRINCIPAL), the key store, its mappings"
    "$JAVA_HOME/bin/java" -cp "$cli_cp" "$COFFRE_ROOT/deploy/bench/KeyMaker.java" "127.0.0.1:$cport" \
        "$pki/ca.pem" "$pki/admin.pem" "$pki/admin.key" "$OUT/officers" "$KEY_COUNT" "$OUT/keys.txt" \
        "$XKS_PRINCIPAL" 2>>"$OUT/setup.log" || coffre_die "creating keys failed (see $OUT/setup.log)"
    "$JAVA_HOME/bin/java" -cp "$cli_cp" "$COFFRE_ROOT/deploy/bench/XksSetup.java" "127.0.0.1:$cport" \
        "$pki/ca.pem" "$pki/admin.pem" "$pki/admin.key" "$OUT/officers" "$XKS_STORE_NAME" "$XKS_URI_PATH" \
        "$XKS_REGION" "$OUT/keys.txt" "$OUT/xks-credential.json" "$OUT/xks-keys.txt" 2>>"$OUT/setup.log" ||
        coffre_die "setting up the key store failed (see $OUT/setup.log)"
    local setup_seconds=$((SECONDS - t0))

    local grpc=(--endpoint "127.0.0.1:$cport" --ca-cert "$pki/ca.pem" --cert "$pki/service.pem" --key "$pki/service.key"
        --keys-file "$OUT/keys.txt")
    local xks=(--protocol xks --xks-uri "https://$XKS_HOST:$xport$XKS_URI_PATH" --xks-region "$XKS_REGION"
        --xks-secret-file "$OUT/xks-credential.json" --ca-cert "$pki/ca.pem" --xks-http-version "$HTTP_VERSION")
    local id
    while read -r id; do
        [[ -z "$id" ]] || xks+=(--xks-key-id "$id")
    done <"$OUT/xks-keys.txt"

    # ---- measurements ------------------------------------------------------------------------------
    # Unmeasured: brings the server's JIT to steady state on both paths (and makes sure both work).
    LT_DURATION="$SERVER_WARMUP" loadtest warm-grpc "${grpc[@]}" --op wrap=1,unwrap=1 -c 64
    LT_DURATION="$SERVER_WARMUP" loadtest warm-xks "${xks[@]}" --op xks-encrypt=1,xks-decrypt=1,xks-metadata=1 -c 64
    local round
    for ((round = 1; round <= ROUNDS; round++)); do
        # This VM's capacity swings by 15-30 % within minutes: the protocols take turns going first.
        run_round "$round" "$( ((round % 2)) && printf grpc || printf xks)"
    done
    local rss recorder
    rss="$(vm_hwm_mib "$spid")"
    for recorder in "${RECORDERS[@]}"; do
        wait "$recorder" 2>/dev/null || true
    done
    # A clean stop (SIGTERM, then the node's shutdown): with --jfr, the JVM then writes server.jfr.
    stop_pid "$spid"

    write_results "$setup_seconds" "$rss"
    report
    ((JFR == 0)) || hot_methods
    coffre_info "done in $((SECONDS - started)) s; results in $OUT/results.json"
}

# write_results SETUP_SECONDS RSS_MIB — $OUT/results.json: every run, the means of the rounds, the
# highest p99s, the ratios XKS/gRPC and the targets.
write_results() {
    local setup_seconds="$1" rss="$2"
    jq -n --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg host "$(hostname)" --arg cpus "$(nproc)" \
        --arg cpu "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" \
        --arg jdk "$("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1)" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" --arg load0 "$LOAD_AT_START" \
        --argjson quick "$QUICK" --arg duration "$DURATION" --argjson rounds "$ROUNDS" --arg http "$HTTP_VERSION" \
        --argjson keys "$KEY_COUNT" --argjson setup "$setup_seconds" --argjson rss "$rss" \
        --argjson gc "$(gc_summary "$OUT/server-gc.log")" --argjson runs "$(runs_json)" \
        'def mean($name): [range(1; $rounds + 1) | $runs[$name + "-c64-r" + tostring].throughput] | add / length | floor;
         def p99($name): [range(1; $rounds + 1) | $runs[$name + "-c64-r" + tostring].latencyMs.p99] | max;
         def cpu($name; $side): [range(1; $rounds + 1) | $runs[$name + "-c64-r" + tostring].cpu[$side]]
             | if any(. == null) then null else add / length | . * 10 | round / 10 end;
         def cpus($name): {server: cpu($name; "serverMicrosPerCall"), loadTool: cpu($name; "loadToolMicrosPerCall"),
                           serverSystem: cpu($name; "serverSystemMicrosPerCall"),
                           loadToolSystem: cpu($name; "loadToolSystemMicrosPerCall")};
         {date: $date, machine: {host: $host, cpus: ($cpus | tonumber), cpu: $cpu, loadAverageAtStart: $load0,
                    loadAverageAtEnd: $load},
          jdk: $jdk, quick: ($quick == 1), durationPerRun: $duration, rounds: $rounds, xksHttpVersion: $http,
          keys: $keys, setupSeconds: $setup,
          meansAt64InFlight: {grpcWrap: mean("grpc-wrap"), xksEncrypt: mean("xks-encrypt"),
                              grpcUnwrap: mean("grpc-unwrap"), xksDecrypt: mean("xks-decrypt")},
          highestP99Ms: {grpcWrap: p99("grpc-wrap"), xksEncrypt: p99("xks-encrypt"),
                         grpcUnwrap: p99("grpc-unwrap"), xksDecrypt: p99("xks-decrypt")},
          cpuMicrosPerCall: {grpcWrap: cpus("grpc-wrap"), xksEncrypt: cpus("xks-encrypt"),
                             grpcUnwrap: cpus("grpc-unwrap"), xksDecrypt: cpus("xks-decrypt")},
          ratios: {xksEncryptOverGrpcWrap: (mean("xks-encrypt") / mean("grpc-wrap") * 1000 | round / 1000),
                   xksDecryptOverGrpcUnwrap: (mean("xks-decrypt") / mean("grpc-unwrap") * 1000 | round / 1000)},
          errors: ([$runs | to_entries[] | select(.key | startswith("warm-") | not) | .value.errors] | add),
          serverPeakRssMiB: $rss, serverGcOverItsLife: $gc, runs: $runs}
         | .targets = {xksOverGrpcAtLeast: 0.8, xksRequestsPerSecondAbove: 1800, p99FarUnderMs: 250,
                       ratioMet: (.ratios.xksEncryptOverGrpcWrap >= 0.8 and .ratios.xksDecryptOverGrpcUnwrap >= 0.8),
                       throughputMet: (.meansAt64InFlight.xksEncrypt > 1800 and .meansAt64InFlight.xksDecrypt > 1800)}' \
        >"$OUT/results.json"
}

report() {
    local name
    printf '\nXKS vs gRPC on one node — %s, %s cores, %s%s; XKS over HTTP/%s, %s keys, %s round(s) of %s\n' \
        "$(date -u +%Y-%m-%d)" "$(nproc)" "$("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1)" \
        "$( ((QUICK)) && printf ' (quick)')" "$HTTP_VERSION" "$KEY_COUNT" "$ROUNDS" "$DURATION"
    printf '  %-22s %10s %8s %8s %8s %8s %9s %9s  %s\n' run calls/s p50_ms p90_ms p99_ms max_ms srv_us/c lt_us/c \
        'http (CPU per call: user+system, system in brackets)'
    for name in "${MEASURED[@]}"; do
        jq -r --arg n "$name" '.runs[$n] | [$n, .throughput, .latencyMs.p50, .latencyMs.p90, .latencyMs.p99, .latencyMs.max,
                (.settings.httpVersions // "h2 (gRPC)"), .errors,
                (.cpu.serverMicrosPerCall // "-" | if type == "number" then . * 10 | round / 10 else . end),
                (.cpu.loadToolMicrosPerCall // "-" | if type == "number" then . * 10 | round / 10 else . end),
                (.cpu.serverSystemMicrosPerCall // "-" | if type == "number" then . * 10 | round / 10 else . end),
                (.cpu.loadToolSystemMicrosPerCall // "-" | if type == "number" then . * 10 | round / 10 else . end)]
             | "  \(.[0] | . + " " * (22 - length)) \(.[1] | floor | tostring | " " * (10 - length) + .) \(.[2:6] | map(tostring | " " * (8 - length) + .) | join(" ")) \(.[8:10] | map(tostring | " " * (9 - length) + .) | join(" "))  \(.[6]) [sys \(.[10]) / \(.[11])]\(if .[7] > 0 then "  errors: \(.[7])" else "" end)"' \
            "$OUT/results.json"
    done
    jq -r '"\n  64 in flight, mean of the rounds: gRPC wrap \(.meansAt64InFlight.grpcWrap), XKS encrypt \(.meansAt64InFlight.xksEncrypt)"
           + " (XKS/gRPC \(.ratios.xksEncryptOverGrpcWrap)); gRPC unwrap \(.meansAt64InFlight.grpcUnwrap), XKS decrypt"
           + " \(.meansAt64InFlight.xksDecrypt) (XKS/gRPC \(.ratios.xksDecryptOverGrpcUnwrap)) calls/s",
           "  CPU per call, mean of the rounds (µs, server / load tool): gRPC wrap \(.cpuMicrosPerCall.grpcWrap.server) / \(.cpuMicrosPerCall.grpcWrap.loadTool),"
           + " XKS encrypt \(.cpuMicrosPerCall.xksEncrypt.server) / \(.cpuMicrosPerCall.xksEncrypt.loadTool), gRPC unwrap"
           + " \(.cpuMicrosPerCall.grpcUnwrap.server) / \(.cpuMicrosPerCall.grpcUnwrap.loadTool), XKS decrypt"
           + " \(.cpuMicrosPerCall.xksDecrypt.server) / \(.cpuMicrosPerCall.xksDecrypt.loadTool)",
           "  highest p99 of the rounds (ms): gRPC wrap \(.highestP99Ms.grpcWrap), XKS encrypt \(.highestP99Ms.xksEncrypt),"
           + " gRPC unwrap \(.highestP99Ms.grpcUnwrap), XKS decrypt \(.highestP99Ms.xksDecrypt)",
           "  server peak RSS \(.serverPeakRssMiB) MiB; GC pauses \(.serverGcOverItsLife.pauses), longest \(.serverGcOverItsLife.maxPauseMs) ms; failed calls \(.errors)",
           "  targets: XKS/gRPC >= 0.8: \(if .targets.ratioMet then "met" else "NOT met" end); XKS > 1,800 requests/s:"
           + " \(if .targets.throughputMet then "met" else "NOT met" end); p99 far under 250 ms: highest XKS p99"
           + " \([.highestP99Ms.xksEncrypt, .highestP99Ms.xksDecrypt] | max) ms"' "$OUT/results.json"
}

main "$@"
