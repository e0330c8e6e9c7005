#!/usr/bin/env bash
# RSA-3072 OAEP decryptions per second on one Coffre node over SoftHSM (issue 21; docs/performance.md,
# "RSA decryption: HSM, gRPC and DKE"), in one run and with the same key, ciphertext and concurrency:
# straight into the HSM (the PKCS#11 adapter alone), through gRPC AsymmetricDecrypt, and through the
# DKE listener (HTTPS, HTTP/2, an Entra-ID-style bearer token validated on every call).
#
#   deploy/bench/dke.sh [--threads N] [--seconds S] [--warm-up S]
#
# Runs kms-server's DkeThroughputBench through deploy/dev/test.sh (which sets up SoftHSM), prints its
# figures; nothing is asserted but that every call succeeded. Defaults: 16 threads, 3 s warm-up, 10 s
# measured per path.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.."

THREADS=16 SECONDS_MEASURED=10 WARM_UP=3
while [ $# -gt 0 ]; do
    case "$1" in
        --threads) THREADS="$2"; shift 2 ;;
        --seconds) SECONDS_MEASURED="$2"; shift 2 ;;
        --warm-up) WARM_UP="$2"; shift 2 ;;
        *) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
    esac
done

LOG=kms-server/target/test-logs/dke-bench.log
mkdir -p "$(dirname "$LOG")"
set +e
bash deploy/dev/test.sh -pl kms-server -am -Dtest=NONE -Dit.test=DkeThroughputBench \
    -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false \
    -Ddke.bench.threads="$THREADS" -Ddke.bench.seconds="$SECONDS_MEASURED" -Ddke.bench.warmUpSeconds="$WARM_UP" \
    > "$LOG" 2>&1
status=$?
set -e
grep '^DkeThroughputBench:' "$LOG" || { echo "no figures; see $LOG" >&2; exit 1; }
grep -q 'Tests run: 1, Failures: 0, Errors: 0' "$LOG" || { echo "the bench failed (status $status); see $LOG" >&2; exit 1; }
