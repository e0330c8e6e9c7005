#!/usr/bin/env bash
# Coffre's benchmark suite, in one run on one JDK (docs/performance.md shows and explains
# the latest figures):
#
#   deploy/bench/run.sh [--quick] [--out DIR] [--keys 10,1000[,10000]] [--duration S] [--jfr] [--profile]
#                       [--hand-off N] [--no-build]
#
#   H  raw HSM baseline: hsm-adapters' HsmBench, AES-GCM of 32 bytes in-process through Pkcs11Hsm
#      (the JDK's PKCS#11 wrapper) on a SoftHSM2 token, 2 threads (all cores), session-object key copies; measured first and
#      last, H is the mean of the two
#   G  no-op gRPC baseline: kms-loadtest's NoopServer (Vert.x gRPC, the server's mTLS set-up)
#      driven by the same load tool at 64 calls in flight; measured first and last, G is the mean
#   L  = 1/(1/H + 1/G): what one core-sharing process doing both the gRPC work and the HSM work
#      could reach at best; every Coffre result is shown with its ratio to L
#   S  the smallest HSM service: kms-loadtest's HsmOnlyServer (G's stack, each call's AES-GCM done
#      on one of 4 worker threads through hsm-adapters, as the node hands its HSM calls off the event
#      loop; no audit, store or checks) on a token of its own, with the node's heap and GC settings,
#      wrap at 64 in flight; measured first and last, S is the mean; Coffre's means are also shown
#      over S (what Coffre adds to the least a KMS on this stack must do)
#   --hand-off N: after the first S, N interleaved pairs of S as above and S doing the HSM operation
#      on its event loop (--on-event-loop, which a KMS must not do): what the hand-off costs here
#   Coffre: a real node (own PKI, SoftHSM token, officers, H2 store, all under the output
#      directory; .dev/ is not touched): wrap, unwrap and generate-data-key at 64 in flight, in two
#      interleaved rounds (each run shown, and the mean of the rounds);
#      wrap latency at 1, 16, 64 and 256 in flight; the server's peak RSS (VmHWM) then; wrap at a
#      fixed rate (half the closed-loop throughput, open loop); then more keys (all keys are made
#      through the quorum) and wrap throughput with each key count, twice each, between three runs
#      with the first count (the ratios use the means); the peak RSS at the end; then the raw HSM
#      with each key count on the node's own token (its server stopped), for comparison.
#
# Writes DIR/results.json (default DIR: target/bench/<timestamp>) and prints a table; the server's
# GC pauses go to DIR/server-gc.log (wall-clock times) and are summed up in results.json. Load tool and
# servers share the machine, as the targets assume. --quick: short runs (a smoke test, ~3 min).
# --jfr: records the Coffre server with JDK Flight Recorder (DIR/server.jfr) and prints its hot
# methods. --profile: samples the server's CPU (Java, native and kernel frames) with async-profiler
# (fetched once from Maven Central) during the first wrap run at 64 in flight: a flame graph
# (DIR/profile-wrap-c64.html), collapsed stacks and the hottest frames (DIR/profile-wrap-c64-top.txt).
# Needs the modules built (it builds the missing ones unless --no-build), SoftHSM2 and jq.
set -euo pipefail

# shellcheck source=SCRIPTDIR/../lib/common.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"

usage() {
    # The header comment, up to the first line that is not a comment.
    awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}" >&2
    exit 2
}

QUICK=0 OUT="" KEY_COUNTS="" DURATION="" JFR=0 PROFILE=0 BUILD=1 HAND_OFF_PAIRS=0
PIDS=()


hsm_tests_jar() {
    local jar
    for jar in "$COFFRE_ROOT"/hsm-adapters/target/hsm-adapters-*-tests.jar; do
        [[ -f "$jar" ]] && { printf '%s\n' "$jar"; return; }
    done
}

# measure_baseline NAME PID PORT KEY_ID — a baseline server just started as PID on PORT: once it
# listens, warmed up, then one run of the load tool (wrap at 64 in flight, KEY_ID) as NAME; then stopped.
measure_baseline() {
    local name="$1" pid="$2" port="$3" key_id="$4"
    PIDS+=("$pid")
    wait_port "$port" "$pid"
    LT_DURATION="$SERVER_WARMUP" loadtest "warm-$name" --endpoint "127.0.0.1:$port" "${client[@]}" --key-id "$key_id" \
        --op wrap -c 64
    loadtest "$name" --endpoint "127.0.0.1:$port" "${client[@]}" --key-id "$key_id" --op wrap -c 64
    stop_pid "$pid"
}

# noop_baseline NAME — G: a no-op server on the same mTLS stack, measured as NAME.
noop_baseline() {
    local name="$1" gport
    gport="$(free_port)"
    bash "$COFFRE_ROOT/deploy/bin/coffre-loadtest" noop-server --port "$gport" --cert "$pki/server.pem" \
        --key "$pki/server.key" --client-ca "$pki/ca.pem" >"$OUT/$name-server.log" 2>&1 &
    measure_baseline "$name" $! "$gport" key-noop
}

# hsm_only_baseline NAME [ARGS] — S: the smallest HSM service (HsmOnlyServer, 4 sessions and workers
# as the bench node, on its own token, with the node's JVM settings; ARGS go to it), measured as NAME.
hsm_only_baseline() {
    local name="$1" sport dir="$OUT/hsm-only"
    shift
    [[ -f "$dir/softhsm/softhsm2.conf" ]] ||
        bash "$COFFRE_ROOT/deploy/dev/softhsm-token.sh" "$dir/softhsm" coffre-hsm-only 2>>"$OUT/setup.log"
    sport="$(free_port)"
    SOFTHSM2_CONF="$dir/softhsm/softhsm2.conf" JAVA_OPTS="$(coffre_server_jvm_opts "${JAVA_OPTS:-}") ${JAVA_OPTS:-}" \
        bash "$COFFRE_ROOT/deploy/bin/coffre-loadtest" hsm-server --port "$sport" --cert "$pki/server.pem" \
        --key "$pki/server.key" --client-ca "$pki/ca.pem" --token-label coffre-hsm-only \
        --pin-file "$dir/softhsm/hsm.pin" --sessions 4 "$@" >"$OUT/$name-server.log" 2>&1 &
    measure_baseline "$name" $! "$sport" key-any
}

# hsm_bench NAME — one run of HsmBench (token key and session copy, 1 and 2 threads) into
# $OUT/hsm-bench-NAME.txt, on a token of its own.
hsm_bench() {
    coffre_info "H ($1): HsmBench, ${HSM_SECONDS}s per measurement, 1 and 2 threads"
    mkdir -p "$OUT/hsm-bench"
    SOFTHSM2_CONF="$OUT/hsm-bench/softhsm2.conf" "$JAVA_HOME/bin/java" "${jvm_args[@]}" \
        --enable-native-access=ALL-UNNAMED \
        -cp "$(hsm_tests_jar):$(coffre_module_jar hsm-adapters)" coffre.hsm.testing.HsmBench "$HSM_SECONDS" 1,2 \
        >"$OUT/hsm-bench-$1.txt" 2>>"$OUT/setup.log" || coffre_die "HsmBench failed (see $OUT/setup.log)"
}

# hsm_key_spread — the raw HSM with each key count: HsmBench spread on the bench node's own token
# (its server stopped), opened as the node opens it, 2 threads, a key drawn at random per operation
# pair from the first n of its keys, the counts interleaved over rounds; into $OUT/hsm-bench-keys.txt.
hsm_key_spread() {
    local rounds=$((QUICK ? 2 : 5)) seconds=$((QUICK ? 1 : 3))
    coffre_info "H with $KEY_COUNTS keys: HsmBench spread on the node's token, $rounds rounds of ${seconds}s per count"
    SOFTHSM2_CONF="$srv/softhsm/softhsm2.conf" "$JAVA_HOME/bin/java" "${jvm_args[@]}" \
        --enable-native-access=ALL-UNNAMED \
        -cp "$(hsm_tests_jar):$(coffre_module_jar hsm-adapters)" coffre.hsm.testing.HsmBench spread coffre-bench \
        "$srv/softhsm/hsm.pin" "$seconds" "$rounds" "$KEY_COUNTS" 2 \
        >"$OUT/hsm-bench-keys.txt" 2>>"$OUT/setup.log" || coffre_die "HsmBench spread failed (see $OUT/setup.log)"
}

# hsm_key_figures — the median ops/s of each key count over its rounds in $OUT/hsm-bench-keys.txt
# (one round in a slow minute of the VM moves a mean by 10 % or more), as a JSON object.
hsm_key_figures() {
    awk '$1 == "spread-median" { split($2, k, "="); printf "%s\"%s\": %s", (n++ ? ", " : "{"), k[2], $4 }
        END { print (n ? "}" : "{}") }' "$OUT/hsm-bench-keys.txt"
}

# hsm_figure NAME KIND — the 2-thread ops/s of KIND (session-copy or token-key) in run NAME.
hsm_figure() {
    local figure
    figure="$(awk -v kind="$2" '$1 == kind && $2 == "threads=2" { gsub(",", "", $3); print $3 }' "$OUT/hsm-bench-$1.txt")"
    [[ -n "$figure" ]] || coffre_die "no $2 figure in $OUT/hsm-bench-$1.txt"
    printf '%s\n' "$figure"
}

# async_profiler_lib — async-profiler's agent library (tools.profiler:async-profiler from Maven
# Central, into the local repository once), unpacked under $OUT.
async_profiler_lib() {
    local version=4.2 arch jar
    case "$(uname -m)" in
        x86_64) arch=linux-x64 ;;
        aarch64) arch=linux-arm64 ;;
        *) coffre_die "--profile: no async-profiler build for $(uname -m)" ;;
    esac
    jar="$HOME/.m2/repository/tools/profiler/async-profiler/$version/async-profiler-$version-$arch.jar"
    if [[ ! -f "$jar" ]]; then
        coffre_mvn -q dependency:get -Dartifact="tools.profiler:async-profiler:$version:jar:$arch" \
            >>"$OUT/setup.log" 2>&1 || coffre_die "--profile: cannot fetch async-profiler $version (see $OUT/setup.log)"
    fi
    mkdir -p "$OUT/async-profiler"
    (cd "$OUT/async-profiler" && "$JAVA_HOME/bin/jar" xf "$jar" "$arch/libasyncProfiler.so")
    printf '%s\n' "$OUT/async-profiler/$arch/libasyncProfiler.so"
}

# profile_in_background LIB PID NAME — attaches async-profiler to PID once the load tool's warm-up
# is over, samples CPU for the measured run and writes $OUT/profile-NAME.{html,collapsed} and the
# hottest frames ($OUT/profile-NAME-top.txt). Sets PROFILER_PID.
profile_in_background() {
    local lib="$1" pid="$2" name="$3" warm="${WARMUP%s}" seconds=5
    [[ "$DURATION" =~ ^([0-9]+)s$ ]] && ((BASH_REMATCH[1] > 2)) && seconds=$((BASH_REMATCH[1] - 2))
    (
        agent() { "$JAVA_HOME/bin/jcmd" "$pid" JVMTI.agent_load "$lib" "\"$1\"" >>"$OUT/setup.log" 2>&1; }
        sleep "$((warm + 1))"
        agent "start,event=cpu,interval=1ms"
        sleep "$seconds"
        agent "dump,file=$OUT/profile-$name.html"
        agent "stop,file=$OUT/profile-$name.collapsed,collapsed"
        # Self time per frame, hottest first (a line: "frame;frame;...;frame samples").
        awk '{ n = $NF; $NF = ""; sub(/ $/, ""); k = split($0, f, ";"); self[f[k]] += n; total += n }
             END { for (s in self) printf "%6.2f%%  %s\n", 100 * self[s] / total, s }' \
            "$OUT/profile-$name.collapsed" 2>/dev/null | sort -rn | head -n 40 >"$OUT/profile-$name-top.txt" || true
    ) &
    PROFILER_PID=$!
}

# key_count_runs — the key-count runs in the order they are made, a line each: NAME KEY_COUNT.
key_count_runs() {
    local k0="${KEYS[0]}" n i
    printf 'wrap-c64-keys%s %s\n' "$k0" "$k0"
    for n in "${KEYS[@]:1}"; do
        printf 'wrap-c64-keys%s %s\n' "$n" "$n"
    done
    printf 'wrap-c64-keys%s-mid %s\n' "$k0" "$k0"
    for ((i = ${#KEYS[@]} - 1; i >= 1; i--)); do
        printf 'wrap-c64-keys%s-r2 %s\n' "${KEYS[$i]}" "${KEYS[$i]}"
    done
    printf 'wrap-c64-keys%s-after %s\n' "$k0" "$k0"
}

# make_keys N — creates keys through the quorum until the bench node has N (keys-N.txt lists them).
# KeyMaker runs on kms-cli's class path: the CLI's signing code, and kms-client's jar from its lib/.
make_keys() {
    local n="$1" t0=$SECONDS
    coffre_info "creating keys through the quorum up to $n"
    "$JAVA_HOME/bin/java" -cp "$cli_cp" "$COFFRE_ROOT/deploy/bench/KeyMaker.java" "127.0.0.1:$cport" \
        "$pki/ca.pem" "$pki/admin.pem" "$pki/admin.key" "$OUT/officers" "$n" "$keyfile" 2>>"$OUT/setup.log" ||
        coffre_die "creating keys failed (see $OUT/setup.log)"
    head -n "$n" "$keyfile" >"$OUT/keys-$n.txt"
    key_seconds+=("$((SECONDS - t0))")
}

main() {
    while (($# > 0)); do
        case "$1" in
            --quick) QUICK=1; shift ;;
            --out) (($# >= 2)) || usage; OUT="$2"; shift 2 ;;
            --keys) (($# >= 2)) || usage; KEY_COUNTS="$2"; shift 2 ;;
            --duration) (($# >= 2)) || usage; DURATION="$2"; shift 2 ;;
            --jfr) JFR=1; shift ;;
            --profile) PROFILE=1; shift ;;
            --no-build) BUILD=0; shift ;;
            --hand-off) (($# >= 2)) && [[ "$2" =~ ^[0-9]+$ ]] || usage; HAND_OFF_PAIRS="$2"; shift 2 ;;
            -h | --help) usage ;;
            *) printf 'run.sh: unknown argument: %s\n' "$1" >&2; usage ;;
        esac
    done
    if ((QUICK)); then
        DURATION="${DURATION:-3s}" WARMUP=3s SERVER_WARMUP=8s HSM_SECONDS=2 KEY_COUNTS="${KEY_COUNTS:-10,100}"
    else
        # Each load tool is a fresh JVM and its JIT must be done before measuring: shorter warm-ups
        # measured the JIT (a cold no-op server served 3k calls/s, a warm one 60k). At Coffre's call
        # rate the load tool's C2 compiler still used half a core 9 s into a run with an 8 s warm-up
        # (pidstat), CPU taken from the server: 20 s, for every run alike.
        DURATION="${DURATION:-10s}" WARMUP=20s SERVER_WARMUP=20s HSM_SECONDS=5 KEY_COUNTS="${KEY_COUNTS:-10,1000}"
    fi
    IFS=, read -r -a KEYS <<<"$KEY_COUNTS"
    ((${#KEYS[@]} >= 1)) || usage

    coffre_ensure_packages softhsm2 openssl jq
    coffre_find_jdk
    # The baselines also need hsm-adapters' test jar (HsmBench).
    if [[ -n "$(hsm_tests_jar)" ]]; then build_if_needed; else build_if_needed hsm-adapters; fi
    OUT="${OUT:-$COFFRE_ROOT/target/bench/$(date +%Y%m%d-%H%M%S)}"
    umask 077
    mkdir -p "$OUT/runs"
    OUT="$(cd "$OUT" && pwd -P)"
    coffre_info "output directory: $OUT"
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    local started=$SECONDS

    bash "$COFFRE_ROOT/deploy/dev/pki.sh" "$OUT/pki" 2>>"$OUT/setup.log"
    local pki="$OUT/pki"
    local client=(--ca-cert "$pki/ca.pem" --cert "$pki/service.pem" --key "$pki/service.key")

    # ---- H: the raw HSM, in-process, both cores (again at the end: H = their mean) --------------
    local jvm_args
    read -r -a jvm_args <<<"$COFFRE_JVM_ARGS"
    local h_first h_token
    hsm_bench first
    h_first="$(hsm_figure first session-copy)"
    h_token="$(hsm_figure first token-key)"

    # ---- G: no-op gRPC server, same stack (again at the end: G = their mean) -----------------------
    noop_baseline noop-wrap-c64
    local g_first
    g_first="$(tput_of noop-wrap-c64 | awk '{ printf "%.0f", $1 }')"

    # ---- S: the smallest HSM service, same stack (again at the end: S = their mean) ---------------
    hsm_only_baseline hsm-only-wrap-c64
    local s_first
    s_first="$(tput_of hsm-only-wrap-c64 | awk '{ printf "%.0f", $1 }')"
    local pair
    for ((pair = 1; pair <= HAND_OFF_PAIRS; pair++)); do
        hsm_only_baseline "hand-off-workers-$pair"
        hsm_only_baseline "hand-off-event-loop-$pair" --on-event-loop
    done

    # ---- Coffre: a bench node under $OUT/server --------------------------------------------------
    local srv="$OUT/server" cport spid
    start_bench_node "$srv" ""
    cport="$BENCH_NODE_PORT" spid="$BENCH_NODE_PID"

    local cli_cp
    cli_cp="$(snapshot_module kms-cli)"
    local keyfile="$OUT/keys.txt" key_seconds=()
    local k0="${KEYS[0]}"
    make_keys "$k0"
    local target=(--endpoint "127.0.0.1:$cport" "${client[@]}")

    # Unmeasured: brings the server's JIT to steady state with every measured operation.
    LT_DURATION="$SERVER_WARMUP" loadtest warm-coffre "${target[@]}" --keys-file "$OUT/keys-$k0.txt" \
        --op wrap=1,unwrap=1,datakey=1 -c 64
    # The three operations at 64 in flight, in two interleaved rounds: a single run of each can land
    # in a slow minute of this VM (unwrap once measured 35 % below wrap, and level with it when
    # interleaved); the ratios are also given for the mean of the rounds.
    local round suffix profiler_lib="" PROFILER_PID=""
    ((PROFILE == 0)) || profiler_lib="$(async_profiler_lib)"
    for round in 1 2; do
        suffix="$( ((round == 1)) || printf -- '-r%s' "$round")"
        [[ -z "$profiler_lib" || $round -ne 1 ]] || profile_in_background "$profiler_lib" "$spid" wrap-c64
        loadtest "wrap-c64$suffix" "${target[@]}" --keys-file "$OUT/keys-$k0.txt" --op wrap -c 64
        [[ -z "$PROFILER_PID" || $round -ne 1 ]] || wait "$PROFILER_PID" || true
        loadtest "unwrap-c64$suffix" "${target[@]}" --keys-file "$OUT/keys-$k0.txt" --op unwrap -c 64
        loadtest "datakey-c64$suffix" "${target[@]}" --keys-file "$OUT/keys-$k0.txt" --op generate-data-key -c 64
    done
    local c
    for c in 1 16 256; do
        loadtest "wrap-c$c" "${target[@]}" --keys-file "$OUT/keys-$k0.txt" --op wrap -c "$c"
    done
    # Peak RSS of a node holding the first key count, at up to 256 calls in flight (the target);
    # more keys add the HSM library's memory for them (SoftHSM2 is in the process), measured at the end.
    local rss
    rss="$(vm_hwm_mib "$spid")"
    # Open loop at half the closed-loop throughput: latency as callers arriving at a steady rate
    # see it, charged from each call's intended start (coordinated omission corrected).
    local rate
    rate="$(jq -r '.throughput * 0.5 | floor' "$OUT/runs/wrap-c64.json")"
    loadtest wrap-open-half "${target[@]}" --keys-file "$OUT/keys-$k0.txt" --op wrap --rate "$rate" --max-in-flight 1024
    if ((${#KEYS[@]} > 1)); then
        local n
        for n in "${KEYS[@]:1}"; do
            make_keys "$n"
        done
        # The key-count runs, in two rounds (the second in reverse order) between three runs with the
        # first key count: this VM's capacity swings by 15-30 % within minutes, so each count is
        # measured twice, next to runs with the first count, and the ratios use the means.
        local key_runs run
        mapfile -t key_runs < <(key_count_runs)
        for run in "${key_runs[@]}"; do
            loadtest "${run% *}" "${target[@]}" --keys-file "$OUT/keys-${run#* }.txt" --op wrap -c 64
        done
    fi
    local rss_end
    rss_end="$(vm_hwm_mib "$spid")"
    stop_pid "$spid"
    # What the number of keys costs the HSM itself, to set beside Coffre's key-count ratios.
    local hsm_keys="{}"
    if ((${#KEYS[@]} > 1)); then
        hsm_key_spread
        hsm_keys="$(hsm_key_figures)"
    fi

    # H again, now that the VM has had its say: this VM's capacity swings within minutes and one
    # H measurement has come out 25 % below the others of the same afternoon.
    local h_last h
    hsm_bench last
    h_last="$(hsm_figure last session-copy)"
    h="$(awk -v a="$h_first" -v b="$h_last" 'BEGIN { printf "%.0f", (a + b) / 2 }')"
    # G too: it moved more than anything else between runs of this bench (46,760 / 55,238 / 66,764).
    local g_last g
    noop_baseline noop-wrap-c64-last
    g_last="$(tput_of noop-wrap-c64-last | awk '{ printf "%.0f", $1 }')"
    g="$(awk -v a="$g_first" -v b="$g_last" 'BEGIN { printf "%.0f", (a + b) / 2 }')"
    local s_last s
    hsm_only_baseline hsm-only-wrap-c64-last
    s_last="$(tput_of hsm-only-wrap-c64-last | awk '{ printf "%.0f", $1 }')"
    s="$(awk -v a="$s_first" -v b="$s_last" 'BEGIN { printf "%.0f", (a + b) / 2 }')"

    # ---- results ---------------------------------------------------------------------------------
    local l
    l="$(awk -v h="$h" -v g="$g" 'BEGIN { printf "%.0f", 1 / (1 / h + 1 / g) }')"
    local runs_json
    runs_json="$(runs_json)"
    # Each further key count's mean wrap throughput over the first count's (its 3 runs).
    local key_ratios="{}" k0="${KEYS[0]}" n
    for n in "${KEYS[@]:1}"; do
        key_ratios="$(jq --arg n "$n" --arg k0 "$k0" --argjson runs "$runs_json" '. + {($n): (
            ([$runs["wrap-c64-keys" + $n].throughput, $runs["wrap-c64-keys" + $n + "-r2"].throughput] | add / 2)
            / ([$runs["wrap-c64-keys" + $k0].throughput, $runs["wrap-c64-keys" + $k0 + "-mid"].throughput,
                $runs["wrap-c64-keys" + $k0 + "-after"].throughput] | add / 3) * 1000 | round / 1000)}' <<<"$key_ratios")"
    done
    jq -n --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg host "$(hostname)" --arg cpus "$(nproc)" \
        --arg cpu "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" \
        --arg jdk "$("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1)" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
        --argjson quick "$QUICK" --arg duration "$DURATION" \
        --argjson h "$h" --argjson hfirst "$h_first" --argjson hlast "$h_last" --argjson htoken "${h_token:-null}" \
        --argjson g "$g" --argjson gfirst "$g_first" --argjson glast "$g_last" --argjson l "$l" \
        --argjson s "$s" --argjson sfirst "$s_first" --argjson slast "$s_last" --argjson handOff "$HAND_OFF_PAIRS" \
        --argjson rss "$rss" --argjson rssEnd "$rss_end" --arg keys "$KEY_COUNTS" \
        --arg keySeconds "${key_seconds[*]}" --argjson runs "$runs_json" --argjson keyRatios "$key_ratios" \
        --argjson gc "$(gc_summary "$OUT/server-gc.log")" --argjson hsmKeys "$hsm_keys" --arg k0 "$k0" \
        '{date: $date, machine: {host: $host, cpus: ($cpus | tonumber), cpu: $cpu, loadAverageAtEnd: $load},
          jdk: $jdk, quick: ($quick == 1), durationPerRun: $duration,
          baselines: {hsmOpsPerSecond: $h, hsmOpsPerSecondFirst: $hfirst, hsmOpsPerSecondLast: $hlast,
                      hsmTokenKeyOpsPerSecond: $htoken, noopGrpcCallsPerSecond: $g,
                      noopGrpcCallsPerSecondFirst: $gfirst, noopGrpcCallsPerSecondLast: $glast, L: $l,
                      hsmOnlyServiceCallsPerSecond: $s, hsmOnlyServiceCallsPerSecondFirst: $sfirst,
                      hsmOnlyServiceCallsPerSecondLast: $slast, hsmOnlyServiceOverL: ($s / $l * 1000 | round / 1000)},
          meansAt64InFlight: ([["wrap", "wrap-c64"], ["unwrap", "unwrap-c64"], ["generate-data-key", "datakey-c64"]]
                | map({key: .[0], value: ([$runs[.[1]].throughput, $runs[.[1] + "-r2"].throughput] | add / 2 | floor)})
                | from_entries),
          meansAt64InFlightOverS: ([["wrap", "wrap-c64"], ["unwrap", "unwrap-c64"], ["generate-data-key", "datakey-c64"]]
                | map({key: .[0], value: ([$runs[.[1]].throughput, $runs[.[1] + "-r2"].throughput] | add / 2 / $s
                    * 1000 | round / 1000)})
                | from_entries),
          handOffPairs: ([range(1; $handOff + 1)] | map(tostring) | map({pair: ., workers: $runs["hand-off-workers-" + .].throughput | floor,
                eventLoop: $runs["hand-off-event-loop-" + .].throughput | floor,
                workersP99Ms: $runs["hand-off-workers-" + .].latencyMs.p99, eventLoopP99Ms: $runs["hand-off-event-loop-" + .].latencyMs.p99})),
          serverPeakRssMiB: {afterLatencyRuns: $rss, atEnd: $rssEnd}, serverGcOverItsLife: $gc,
          keyCounts: $keys, keyCreationSeconds: $keySeconds,
          wrapThroughputOverFirstKeyCount: $keyRatios,
          hsmOpsPerSecondByKeyCount: $hsmKeys,
          hsmOverFirstKeyCount: ($hsmKeys | to_entries | map(select(.key != $k0))
                | map({key, value: (.value / $hsmKeys[$k0] * 1000 | round / 1000)}) | from_entries),
          runs: $runs}' >"$OUT/results.json"

    report "$h" "$h_token" "$g" "$l" "$rss" "$rss_end" "$h_first" "$h_last" "$g_first" "$g_last" "$s" "$s_first" "$s_last"
    if ((JFR)) && [[ -f "$OUT/server.jfr" ]]; then
        "$JAVA_HOME/bin/jfr" view --width 160 hot-methods "$OUT/server.jfr" >"$OUT/jfr-hot-methods.txt" 2>&1 || true
        coffre_info "JFR recording: $OUT/server.jfr (hot methods: $OUT/jfr-hot-methods.txt)"
    fi
    if ((PROFILE)); then
        if [[ -s "$OUT/profile-wrap-c64-top.txt" ]]; then
            coffre_info "server CPU profile of wrap at 64 in flight: $OUT/profile-wrap-c64.html (hottest frames: $OUT/profile-wrap-c64-top.txt)"
        else
            coffre_warn "--profile: no profile was written (see $OUT/setup.log)"
        fi
    fi
    coffre_info "done in $((SECONDS - started)) s; results in $OUT/results.json"
}

report() {
    local h="$1" h_token="$2" g="$3" l="$4" rss="$5" rss_end="$6" h_first="$7" h_last="$8" g_first="$9" g_last="${10}" s="${11}" s_first="${12}" s_last="${13}" name
    printf '\nCoffre benchmark — %s, %s cores, %s%s\n' "$(date -u +%Y-%m-%d)" "$(nproc)" \
        "$("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1)" "$( ((QUICK)) && printf ' (quick)')"
    printf '  H  raw HSM (AES-GCM 32 B, 2 threads, session key copies)  %10.0f ops/s   (mean of %s first and %s last; token key: %s)\n' \
        "$h" "$h_first" "$h_last" "${h_token:-?}"
    printf '  G  no-op gRPC over mTLS, 64 in flight                      %10.0f calls/s (mean of %s first and %s last)\n' \
        "$g" "$g_first" "$g_last"
    printf '  L  = 1/(1/H + 1/G)                                          %10.0f calls/s\n' "$l"
    printf '  S  smallest HSM service (G + HSM on workers), 64 in flight %10.0f calls/s (%s x L; mean of %s first and %s last)\n\n' \
        "$s" "$(awk -v s="$s" -v l="$l" 'BEGIN { printf "%.2f", s / l }')" "$s_first" "$s_last"
    printf '  %-22s %10s %8s %8s %8s %8s %8s %8s\n' run calls/s x_L p50_ms p90_ms p99_ms p99.9_ms max_ms
    local k0="${KEYS[0]}" names=()
    ((${#KEYS[@]} == 1)) || mapfile -t names < <(key_count_runs | cut -d' ' -f1)
    for name in noop-wrap-c64 noop-wrap-c64-last hsm-only-wrap-c64 hsm-only-wrap-c64-last wrap-c64 unwrap-c64 datakey-c64 wrap-c64-r2 unwrap-c64-r2 datakey-c64-r2 \
        wrap-c1 wrap-c16 wrap-c256 wrap-open-half "${names[@]}"; do
        [[ -f "$OUT/runs/$name.json" ]] || continue
        jq -r --arg n "$name" --argjson l "$l" \
            '[$n, .throughput, (.throughput / $l), .latencyMs.p50, .latencyMs.p90, .latencyMs.p99, .latencyMs["p99.9"], .latencyMs.max, .errors]
             | "  \(.[0] | . + " " * (22 - length)) \(.[1] | floor | tostring | " " * (10 - length) + .) \(.[2] * 100 | round / 100 | tostring | " " * (8 - length) + .) \(.[3:8] | map(tostring | " " * (8 - length) + .) | join(" "))\(if .[8] > 0 then "  errors: \(.[8])" else "" end)"' \
            "$OUT/runs/$name.json"
    done
    jq -r --argjson l "$l" '.meansAt64InFlight | to_entries
        | "\n  64 in flight, mean of the two rounds: " + (map("\(.key) \(.value) (\((.value / $l * 100 | round) / 100) x L)") | join(", "))' \
        "$OUT/results.json"
    jq -r '.meansAt64InFlightOverS | to_entries
        | "  the same over S (what Coffre adds to the least a KMS on this stack must do): " + (map("\(.key) \(.value)") | join(", "))' \
        "$OUT/results.json"
    jq -r --argjson l "$l" '.handOffPairs[] | "  hand-off pair \(.pair): S on workers \(.workers) calls/s (\(.workers / $l * 100 | round / 100) x L, p99 \(.workersP99Ms) ms), on the event loop \(.eventLoop) (\(.eventLoop / $l * 100 | round / 100) x L, p99 \(.eventLoopP99Ms) ms)"' \
        "$OUT/results.json"
    printf '\n  server peak RSS (VmHWM): %s MiB holding %s keys after the 1..256-in-flight runs, %s MiB at the end (%s keys)\n' \
        "$rss" "$k0" "$rss_end" "${KEYS[-1]}"
    jq -r --arg log "$OUT/server-gc.log" '.serverGcOverItsLife | "  server GC pauses over its life (\($log)): \(.pauses), \(.remarkPauses) of them remarks; longest \(.maxPauseMs) ms, \(.totalPauseMs) ms in all"' \
        "$OUT/results.json"
    jq -r --arg k0 "$k0" '.wrapThroughputOverFirstKeyCount | to_entries[]
        | "  wrap with \(.key) keys / with \($k0) keys (mean of its 2 runs over the mean of the 3 with \($k0)): \(.value * 100 | round / 100)"' \
        "$OUT/results.json"
    jq -r --arg k0 "$k0" '.hsmOpsPerSecondByKeyCount as $ops | .hsmOverFirstKeyCount | to_entries[]
        | "  raw HSM with \(.key) keys / with \($k0) keys (HsmBench spread on the node token, 2 threads, medians of interleaved rounds): \(.value * 100 | round / 100) (\($ops[.key]) / \($ops[$k0]) ops/s)"' \
        "$OUT/results.json"
    printf '  targets: wrap/unwrap >= 0.8 x L; p99 <= 5 ms at 64 in flight; RSS <= 512 MiB at 256; many keys within 10%%\n'
}

main "$@"
