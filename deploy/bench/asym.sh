#!/usr/bin/env bash
# Asymmetric keys on one Coffre node next to the raw HSM, in one run (issue 21; docs/performance.md,
# "Asymmetric keys through gRPC"):
#
#   deploy/bench/asym.sh [--quick] [--out DIR] [--keys N] [--concurrency C] [--duration S] [--no-build]
#
# One bench node (own PKI, SoftHSM token, officers and H2 store under DIR; .dev/ is not touched) and,
# made through the quorum (deploy/bench/KeyMaker.java), N RSA_3072 ENCRYPT_DECRYPT keys, N EC_P256 and
# N RSA_3072 SIGN_VERIFY keys (default N = 2). After an unmeasured warm-up, at C calls in flight
# (default 16; the node has 4 HSM sessions and 4 data-plane workers): gRPC AsymmetricDecrypt of
# 32-byte plaintexts the load tool encrypted to the keys' public keys (RSA-OAEP SHA-256), gRPC Sign of a
# 32-byte message with the P-256 keys (ECDSA) and with the RSA-3072 keys (PSS). Then, the node stopped,
# the raw HSM doing the same private-key operations in-process (hsm-adapters' HsmBench pairs, on a
# token of its own, 1 and 2 threads). Prints each run and the ratio gRPC / raw HSM (the better of its
# two thread counts); writes DIR/results.json (default DIR: target/bench/asym-<timestamp>).
# --quick: short runs (a smoke test, ~2 min). Needs the modules built (it builds the missing ones
# unless --no-build; hsm-adapters' test jar too), SoftHSM2 with OAEP SHA-256 (deploy/lib/softhsm-oaep.sh)
# and jq.
set -euo pipefail

# shellcheck source=SCRIPTDIR/../lib/common.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"

usage() {
    awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}" >&2
    exit 2
}

QUICK=0 OUT="" KEY_COUNT=2 CONCURRENCY=16 DURATION="" BUILD=1 JFR=0
PIDS=() MEASURED=()

hsm_tests_jar() {
    local jar
    for jar in "$COFFRE_ROOT"/hsm-adapters/target/hsm-adapters-*-tests.jar; do
        [[ -f "$jar" ]] && { printf '%s\n' "$jar"; return; }
    done
}

# make_keys FILE SPEC:USAGE — N keys of that kind through the quorum, their ids in $OUT/FILE.
make_keys() {
    COFFRE_BENCH_KEY_SPEC="$2" "$JAVA_HOME/bin/java" -cp "$cli_cp" "$COFFRE_ROOT/deploy/bench/KeyMaker.java" \
        "127.0.0.1:$cport" "$pki/ca.pem" "$pki/admin.pem" "$pki/admin.key" "$OUT/officers" "$KEY_COUNT" "$OUT/$1" \
        2>>"$OUT/setup.log" || coffre_die "creating $2 keys failed (see $OUT/setup.log)"
}

main() {
    while (($# > 0)); do
        case "$1" in
            --quick) QUICK=1; shift ;;
            --out) (($# >= 2)) || usage; OUT="$2"; shift 2 ;;
            --keys) (($# >= 2)) && [[ "$2" =~ ^[1-9][0-9]*$ ]] || usage; KEY_COUNT="$2"; shift 2 ;;
            --concurrency) (($# >= 2)) && [[ "$2" =~ ^[1-9][0-9]*$ ]] || usage; CONCURRENCY="$2"; shift 2 ;;
            --duration) (($# >= 2)) || usage; DURATION="$2"; shift 2 ;;
            --no-build) BUILD=0; shift ;;
            -h | --help) usage ;;
            *) printf 'asym.sh: unknown argument: %s\n' "$1" >&2; usage ;;
        esac
    done
    if ((QUICK)); then
        DURATION="${DURATION:-3s}" WARMUP=3s SERVER_WARMUP=5s HSM_SECONDS=2
    else
        DURATION="${DURATION:-10s}" WARMUP=10s SERVER_WARMUP=15s HSM_SECONDS=5
    fi

    coffre_ensure_packages softhsm2 openssl jq
    # shellcheck source=SCRIPTDIR/../lib/softhsm-oaep.sh
    source "$COFFRE_ROOT/deploy/lib/softhsm-oaep.sh"
    coffre_ensure_softhsm_oaep
    coffre_find_jdk
    if [[ -n "$(hsm_tests_jar)" ]]; then build_if_needed; else build_if_needed hsm-adapters; fi
    OUT="${OUT:-$COFFRE_ROOT/target/bench/asym-$(date +%Y%m%d-%H%M%S)}"
    umask 077
    mkdir -p "$OUT/runs"
    OUT="$(cd "$OUT" && pwd -P)"
    coffre_info "output directory: $OUT"
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    local started=$SECONDS

    bash "$COFFRE_ROOT/deploy/dev/pki.sh" "$OUT/pki" 2>>"$OUT/setup.log"
    local pki="$OUT/pki" jvm_args
    read -r -a jvm_args <<<"$COFFRE_JVM_ARGS"

    local srv="$OUT/server" cport spid
    start_bench_node "$srv" ""
    cport="$BENCH_NODE_PORT" spid="$BENCH_NODE_PID"
    coffre_info "node: gRPC on 127.0.0.1:$cport"

    local cli_cp t0=$SECONDS
    cli_cp="$(snapshot_module kms-cli)"
    coffre_info "creating $KEY_COUNT RSA_3072 decryption, $KEY_COUNT EC_P256 and $KEY_COUNT RSA_3072 signing keys"
    make_keys keys-oaep.txt RSA_3072:ENCRYPT_DECRYPT
    make_keys keys-p256.txt EC_P256:SIGN_VERIFY
    make_keys keys-pss.txt RSA_3072:SIGN_VERIFY
    local setup_seconds=$((SECONDS - t0))

    local grpc=(--endpoint "127.0.0.1:$cport" --ca-cert "$pki/ca.pem" --cert "$pki/service.pem" --key "$pki/service.key"
        --payload-size 32 -c "$CONCURRENCY")
    LT_DURATION="$SERVER_WARMUP" loadtest warm-decrypt "${grpc[@]}" --keys-file "$OUT/keys-oaep.txt" --op asymmetric-decrypt
    LT_DURATION="$SERVER_WARMUP" loadtest warm-sign "${grpc[@]}" --keys-file "$OUT/keys-p256.txt" --op sign
    loadtest grpc-rsa3072-oaep-decrypt "${grpc[@]}" --keys-file "$OUT/keys-oaep.txt" --op asymmetric-decrypt
    loadtest grpc-ecdsa-p256-sign "${grpc[@]}" --keys-file "$OUT/keys-p256.txt" --op sign
    loadtest grpc-rsa3072-pss-sign "${grpc[@]}" --keys-file "$OUT/keys-pss.txt" --op sign
    MEASURED=(grpc-rsa3072-oaep-decrypt grpc-ecdsa-p256-sign grpc-rsa3072-pss-sign)
    local rss
    rss="$(vm_hwm_mib "$spid")"
    stop_pid "$spid"

    # The raw HSM, in the same run, the node stopped: the same three private-key operations.
    coffre_info "raw HSM: HsmBench pairs, ${HSM_SECONDS}s per measurement, 1 and 2 threads"
    mkdir -p "$OUT/hsm-bench"
    SOFTHSM2_CONF="$OUT/hsm-bench/softhsm2.conf" "$JAVA_HOME/bin/java" "${jvm_args[@]}" \
        --enable-native-access=ALL-UNNAMED \
        -cp "$(hsm_tests_jar):$(coffre_module_jar hsm-adapters)" coffre.hsm.testing.HsmBench pairs "$HSM_SECONDS" 1,2 \
        >"$OUT/hsm-bench-pairs.txt" 2>>"$OUT/setup.log" || coffre_die "HsmBench pairs failed (see $OUT/setup.log)"

    write_results "$setup_seconds" "$rss"
    report
    coffre_info "done in $((SECONDS - started)) s; results in $OUT/results.json"
}

# The raw HSM's best ops/s for OPERATION (rsa3072-oaep-decrypt...) over its thread counts.
hsm_best() {
    awk -v op="$1" '$1 == "pairs" && $2 == op { v = $4; gsub(",", "", v); if (v + 0 > best) best = v + 0 } END { printf "%d", best }' \
        "$OUT/hsm-bench-pairs.txt"
}

write_results() {
    local setup_seconds="$1" rss="$2"
    jq -n --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg host "$(hostname)" --arg cpus "$(nproc)" \
        --arg jdk "$("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1)" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
        --argjson quick "$QUICK" --arg duration "$DURATION" --argjson keys "$KEY_COUNT" --argjson c "$CONCURRENCY" \
        --argjson setup "$setup_seconds" --argjson rss "$rss" --argjson runs "$(runs_json)" \
        --argjson oaep "$(hsm_best rsa3072-oaep-decrypt)" --argjson p256 "$(hsm_best ecdsa-p256-sign)" \
        --argjson pss "$(hsm_best rsa3072-pss-sign)" --rawfile hsm "$OUT/hsm-bench-pairs.txt" \
        '{date: $date, machine: {host: $host, cpus: ($cpus | tonumber), loadAverageAtEnd: $load}, jdk: $jdk,
          quick: ($quick == 1), durationPerRun: $duration, keysPerKind: $keys, concurrency: $c, setupSeconds: $setup,
          grpc: {rsa3072OaepDecrypt: ($runs["grpc-rsa3072-oaep-decrypt"].throughput | floor),
                 ecdsaP256Sign: ($runs["grpc-ecdsa-p256-sign"].throughput | floor),
                 rsa3072PssSign: ($runs["grpc-rsa3072-pss-sign"].throughput | floor)},
          rawHsmBestOf1And2Threads: {rsa3072OaepDecrypt: $oaep, ecdsaP256Sign: $p256, rsa3072PssSign: $pss},
          rawHsmOutput: ($hsm | split("\n") | map(select(length > 0))),
          errors: ([$runs | to_entries[] | .value.errors] | add), serverPeakRssMiB: $rss, runs: $runs}
         | .grpcOverRawHsm = {rsa3072OaepDecrypt: (.grpc.rsa3072OaepDecrypt / ([$oaep, 1] | max) * 100 | round / 100),
                              ecdsaP256Sign: (.grpc.ecdsaP256Sign / ([$p256, 1] | max) * 100 | round / 100),
                              rsa3072PssSign: (.grpc.rsa3072PssSign / ([$pss, 1] | max) * 100 | round / 100)}' \
        >"$OUT/results.json"
}

report() {
    local name
    printf '\nAsymmetric keys on one node — %s, %s cores, %s%s; %s keys per kind, %s in flight, %s per run\n' \
        "$(date -u +%Y-%m-%d)" "$(nproc)" "$("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1)" \
        "$( ((QUICK)) && printf ' (quick)')" "$KEY_COUNT" "$CONCURRENCY" "$DURATION"
    printf '  %-28s %10s %8s %8s %8s\n' run calls/s p50_ms p99_ms max_ms
    for name in "${MEASURED[@]}"; do
        jq -r --arg n "$name" '.runs[$n] | [$n, .throughput, .latencyMs.p50, .latencyMs.p99, .latencyMs.max, .errors]
             | "  \(.[0] | . + " " * (28 - length)) \(.[1] | floor | tostring | " " * (10 - length) + .) \(.[2:5] | map(tostring | " " * (8 - length) + .) | join(" "))\(if .[5] > 0 then "  errors: \(.[5])" else "" end)"' \
            "$OUT/results.json"
    done
    printf '  raw HSM (HsmBench pairs, in-process Pkcs11Hsm, 4 sessions):\n'
    sed 's/^/    /' "$OUT/hsm-bench-pairs.txt"
    jq -r '"  gRPC / raw HSM (its better thread count): RSA-3072 OAEP decrypt \(.grpcOverRawHsm.rsa3072OaepDecrypt)"
           + " (\(.grpc.rsa3072OaepDecrypt) / \(.rawHsmBestOf1And2Threads.rsa3072OaepDecrypt)), ECDSA P-256 sign"
           + " \(.grpcOverRawHsm.ecdsaP256Sign) (\(.grpc.ecdsaP256Sign) / \(.rawHsmBestOf1And2Threads.ecdsaP256Sign)),"
           + " RSA-3072 PSS sign \(.grpcOverRawHsm.rsa3072PssSign) (\(.grpc.rsa3072PssSign) / \(.rawHsmBestOf1And2Threads.rsa3072PssSign))",
           "  server peak RSS \(.serverPeakRssMiB) MiB; failed calls \(.errors)"' "$OUT/results.json"
}

main "$@"
