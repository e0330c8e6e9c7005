#!/usr/bin/env bash
# Data-key caching measured on one Coffre node (issue 22; docs/performance.md, "Envelope encryption
# and data-key caching"):
#
#   deploy/bench/envelope.sh [--out DIR] [--cache MAX-AGE,MAX-MESSAGES] [--concurrency C] [--duration S]
#                            [--payload-size B] [--no-build]
#
# One bench node (own PKI, SoftHSM token, officers and H2 store under DIR; .dev/ is not touched), one
# AES key made through the quorum (deploy/bench/KeyMaker.java). The load tool warms the node up with
# generate-data-key, measures generate-data-key at C calls in flight (default 16) for S (default
# 10s), then its envelope scenario (--envelope-cache): C threads seal records of B bytes (default
# 1024) with CoffreEnvelope for S without a cache, then S through CachingDataKeys with the given
# bounds (default 5m,1000). Prints the load average before and after (the machine may be shared);
# writes DIR/envelope.txt (default DIR: target/bench/envelope-<timestamp>).
set -euo pipefail

# shellcheck source=SCRIPTDIR/../lib/common.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"

usage() {
    awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}" >&2
    exit 2
}

OUT="" CACHE="5m,1000" CONCURRENCY=16 DURATION=10s PAYLOAD=1024 BUILD=1 WARMUP=5s
PIDS=()

main() {
    while (($# > 0)); do
        case "$1" in
            --out) (($# >= 2)) || usage; OUT="$2"; shift 2 ;;
            --cache) (($# >= 2)) || usage; CACHE="$2"; shift 2 ;;
            --concurrency) (($# >= 2)) && [[ "$2" =~ ^[1-9][0-9]*$ ]] || usage; CONCURRENCY="$2"; shift 2 ;;
            --duration) (($# >= 2)) || usage; DURATION="$2"; shift 2 ;;
            --payload-size) (($# >= 2)) && [[ "$2" =~ ^[0-9]+$ ]] || usage; PAYLOAD="$2"; shift 2 ;;
            --no-build) BUILD=0; shift ;;
            -h | --help) usage ;;
            *) printf 'envelope.sh: unknown argument: %s\n' "$1" >&2; usage ;;
        esac
    done
    coffre_ensure_packages softhsm2 openssl jq
    coffre_find_jdk
    build_if_needed
    OUT="${OUT:-$COFFRE_ROOT/target/bench/envelope-$(date +%Y%m%d-%H%M%S)}"
    umask 077
    mkdir -p "$OUT/runs"
    OUT="$(cd "$OUT" && pwd -P)"
    coffre_info "output directory: $OUT"
    trap cleanup EXIT
    trap 'exit 130' INT TERM

    bash "$COFFRE_ROOT/deploy/dev/pki.sh" "$OUT/pki" 2>>"$OUT/setup.log"
    local pki="$OUT/pki" jvm_args
    read -r -a jvm_args <<<"$COFFRE_JVM_ARGS"
    start_bench_node "$OUT/server" ""
    local cport="$BENCH_NODE_PORT" cli_cp
    cli_cp="$(snapshot_module kms-cli)"
    "$JAVA_HOME/bin/java" -cp "$cli_cp" "$COFFRE_ROOT/deploy/bench/KeyMaker.java" "127.0.0.1:$cport" \
        "$pki/ca.pem" "$pki/admin.pem" "$pki/admin.key" "$OUT/officers" 1 "$OUT/keys.txt" \
        2>>"$OUT/setup.log" || coffre_die "creating the key failed (see $OUT/setup.log)"

    local grpc=(--endpoint "127.0.0.1:$cport" --ca-cert "$pki/ca.pem" --cert "$pki/service.pem" --key "$pki/service.key"
        --keys-file "$OUT/keys.txt" --payload-size "$PAYLOAD" -c "$CONCURRENCY")
    LT_DURATION="$WARMUP" loadtest warm "${grpc[@]}" --op generate-data-key
    {
        printf 'load average before: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
        printf 'command: coffre-loadtest %s --op generate-data-key --duration %s --warmup %s --envelope-cache %s\n' \
            "${grpc[*]}" "$DURATION" "$WARMUP" "$CACHE"
        bash "$COFFRE_ROOT/deploy/bin/coffre-loadtest" "${grpc[@]}" --op generate-data-key --duration "$DURATION" \
            --warmup "$WARMUP" --progress-interval 0s --envelope-cache "$CACHE" 2>>"$OUT/loadtest.log"
        printf 'load average after: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
    } | tee "$OUT/envelope.txt"
}

main "$@"
