#!/usr/bin/env bash
# Builds Coffre and runs every test, as CI does (.ci/run calls this script):
#
#   deploy/dev/test.sh [MAVEN_ARGS...]      e.g.  deploy/dev/test.sh -pl hsm-adapters -am
#
# 1. installs the Debian packages the tests need (as root; see coffre_test_packages) and SoftHSM
#    with RSA-OAEP SHA-256 (deploy/lib/softhsm-oaep.sh: built once from Debian's source),
# 2. starts the services they need (PostgreSQL on 127.0.0.1:55432; see coffre_start_test_services),
# 3. finds a JDK 21+,
# 4. checks the Prometheus rules, their unit tests and the example scrape configuration with
#    promtool (deploy/monitoring/check.sh),
# 5. runs `mvn -B verify` over the whole reactor: unit tests under Surefire, *IT integration
#    tests under Failsafe (the pom gives every test JVM its SOFTHSM2_CONF under target/),
# 6. scans every log of the run for the PINs and plaintexts the tests used (LeakScanner),
# 7. prints a short summary and exits with Maven's status (or 1 if a secret leaked or a promtool
#    check failed).
#
# The full Maven output is also kept in target/test-logs/mvn-verify.log.
set -euo pipefail

# shellcheck source=SCRIPTDIR/../lib/common.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../lib/common.sh"

# summarize LOG — one line per plugin (Surefire, Failsafe) and a closing
# "tests: N passed, N failed, N skipped" line, from the totals that each module prints.
summarize() {
    awk '
        /--- (maven-)?surefire(-plugin)?:/ { kind = "unit (Surefire)" }
        /--- (maven-)?failsafe(-plugin)?:/ { kind = "integration (Failsafe)" }
        # Totals lines end with "Skipped: N"; per-class lines go on with ", Time elapsed".
        /Tests run: [0-9]+, Failures: [0-9]+, Errors: [0-9]+, Skipped: [0-9]+[[:space:]]*$/ {
            line = $0
            sub(/.*Tests run: /, "", line)
            split(line, n, /[^0-9]+/)
            if (kind == "") kind = "unit (Surefire)"
            if (!(kind in run)) order[++kinds] = kind
            run[kind] += n[1]; failed[kind] += n[2] + n[3]; skipped[kind] += n[4]
        }
        END {
            total = 0; bad = 0; skip = 0
            for (i = 1; i <= kinds; i++) {
                k = order[i]
                printf "  %-24s %5d run, %d failed, %d skipped\n", k, run[k], failed[k], skipped[k]
                total += run[k]; bad += failed[k]; skip += skipped[k]
            }
            if (kinds == 0) print "  no test totals in the Maven output: no test ran"
            printf "tests: %d passed, %d failed, %d skipped\n", total - bad - skip, bad, skip
        }' "$1"
}

main() {
    mapfile -t packages < <(coffre_test_packages)
    coffre_ensure_packages "${packages[@]}"
    # shellcheck source=SCRIPTDIR/../lib/softhsm-oaep.sh
    source "$COFFRE_ROOT/deploy/lib/softhsm-oaep.sh"
    coffre_ensure_softhsm_oaep
    coffre_start_test_services
    COFFRE_VERBOSE=1 coffre_find_jdk

    local log_dir="$COFFRE_ROOT/target/test-logs" log status started monitoring=0
    mkdir -p "$log_dir"
    log="$log_dir/mvn-verify.log"
    # A second or two, before Maven: the alert rules and their tests do not depend on the build.
    if ! bash "$COFFRE_ROOT/deploy/monitoring/check.sh"; then
        monitoring=1
        coffre_warn "deploy/monitoring/check.sh failed (see above); running the Maven tests all the same"
    fi
    # MetricsIT lints the node's /metrics with the same promtool.
    COFFRE_PROMTOOL="$(bash "$COFFRE_ROOT/deploy/monitoring/check.sh" --print-promtool 2>/dev/null || true)"
    export COFFRE_PROMTOOL
    coffre_info "running: mvn -B verify $* (log: ${log#"$COFFRE_ROOT"/})"
    started=$SECONDS
    if coffre_mvn verify "$@" 2>&1 | tee "$log"; then
        status=0
    else
        status=$?
    fi

    if ((status == 0)); then
        # The tests recorded every PIN and plaintext they used; none may appear in what they logged.
        if ! "$JAVA_HOME/bin/java" -cp "$COFFRE_ROOT/hsm-adapters/target/test-classes" coffre.hsm.testing.LeakScanner \
            "$COFFRE_ROOT" | tee -a "$log"; then
            status=1
            coffre_warn "the leak scan found a secret in the test logs (see above)"
        fi
    fi
    if ((status == 0 && monitoring != 0)); then
        status=1
        coffre_warn "the promtool checks of deploy/monitoring/ failed (see the start of this run)"
    fi
    if ((status != 0)); then
        printf '\n== What failed ==\n'
        grep -E '^\[ERROR\] (Failures:|Errors:|Tests run:.*FAIL|  [^ ])' "$log" | grep -v 'mvn <args>' | head -n 40 || true
    fi
    local outcome="BUILD SUCCESS"
    ((status == 0)) || outcome="BUILD FAILED (mvn exit status $status)"
    printf '\n== Coffre test summary: %s in %ds ==\n' "$outcome" "$((SECONDS - started))"
    summarize "$log"
    exit "$status"
}

main "$@"
