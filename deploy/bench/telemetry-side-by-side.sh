#!/usr/bin/env bash
# What metrics and traces cost a node, measured side by side (issue 23; docs/performance.md, "Telemetry cost"):
#
#   deploy/bench/telemetry-side-by-side.sh [--quick] [--out DIR] [--keys N] [--rounds N] [--duration S] [--no-build]
#
# telemetry.sh measures the three configurations one after the other; on this VM a node's throughput
# moves by up to 10 % from one minute, or one JVM start, to the next: more than the cost it looks
# for. Here the three configurations of telemetry.sh (baseline: metrics off; metrics: on and scraped
# every 15 s; tracing: metrics plus traces sampled at 1 % to an OTLP sink) run at the same time, on
# three bench nodes, each loaded by its own load tool (gRPC wrap, 64 in flight) over the same
# seconds: what slows the machine slows the three alike, and each round compares configurations
# measured together. Each node has its own directory under DIR (SoftHSM token, H2 store, N keys,
# default 10, made through the quorum); the configurations move to the next directory every round
# (round r runs configuration i on node (i + r) mod 3), so that a node's own speed is not counted as
# a configuration's cost. A round starts the three nodes afresh (new JVMs), warms them up together
# (unmeasured wrap), measures them together, stops them (SIGTERM: buffered spans are sent).
#
# The figures, per round and then as the mean over the rounds with its standard error:
#   server CPU per call, configuration over baseline: what the configuration costs the node (the
#     primary figure: three nodes share two cores, and the share the scheduler grants each is noise,
#     not cost; a CPU-bound node's throughput is its CPU over its CPU per call);
#   throughput, configuration over baseline: the same cost seen through that share.
# Issue 23's targets: metrics cost < 3 %, tracing sampled at 1 % < 5 %. Writes DIR/results.json
# (default DIR: target/bench/telemetry-sbs-<timestamp>). Default: 6 rounds (each configuration twice
# on each node) of 30 s, ~15 min. --quick: one round of 5 s (a smoke test; its figures say nothing).
# Needs the modules built (it builds the missing ones unless --no-build), SoftHSM2, curl and jq.
set -euo pipefail

# shellcheck source=SCRIPTDIR/../lib/common.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"
# shellcheck source=SCRIPTDIR/telemetry-lib.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/telemetry-lib.sh"

usage() {
    # The header comment, up to the first line that is not a comment.
    awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}" >&2
    exit 2
}

NODES=(a b c)
QUICK=0 OUT="" KEY_COUNT=10 ROUNDS="" DURATION="" BUILD=1 LOAD_AT_START=""
PIDS=() MEASURED=()
declare -A NODE_PORT=() NODE_METRICS_PORT=()

# setup_node NODE — NODE's directory, ceremony and keys, with the default settings; then stopped.
setup_node() {
    local n="$1" srv="$OUT/node-$1" cli_cp
    start_bench_node "$srv" ""
    NODE_PORT[$n]="$BENCH_NODE_PORT"
    cli_cp="$(snapshot_module kms-cli)"
    coffre_info "node $n on 127.0.0.1:$BENCH_NODE_PORT: creating $KEY_COUNT keys through the quorum"
    "$JAVA_HOME/bin/java" -cp "$cli_cp" "$COFFRE_ROOT/deploy/bench/KeyMaker.java" "127.0.0.1:$BENCH_NODE_PORT" \
        "$OUT/pki/ca.pem" "$OUT/pki/admin.pem" "$OUT/pki/admin.key" "$OUT/officers" "$KEY_COUNT" "$srv/keys.txt" \
        2>>"$OUT/setup.log" || coffre_die "creating keys on node $n failed (see $OUT/setup.log)"
    stop_pid "$BENCH_NODE_PID"
}

# distinct_free_port — a free port that no node has been given yet.
distinct_free_port() {
    local p q taken
    while :; do
        p="$(free_port)"
        taken=0
        for q in "${NODE_PORT[@]}" "${NODE_METRICS_PORT[@]}" "${SINK_PORT:-}"; do
            [[ "$p" != "$q" ]] || taken=1
        done
        ((taken)) || { printf '%s\n' "$p"; return; }
    done
}

# load_all PREFIX ROUND [ARGS...] — the three load tools at once, one per running node, each as
# PREFIX<config>-wrap-c64-rROUND; returns when all are done, fails if one failed.
load_all() {
    local prefix="$1" round="$2" config pids=() n
    shift 2
    for config in "${CONFIGS[@]}"; do
        n="${RUN_NODE[$config]}"
        local extra=("$@")
        [[ -z "$prefix" ]] && extra+=(--server-pid "${RUN_PID[$config]}")
        loadtest "$prefix$config-wrap-c64-r$round" --endpoint "127.0.0.1:${NODE_PORT[$n]}" --ca-cert "$OUT/pki/ca.pem" \
            --cert "$OUT/pki/service.pem" --key "$OUT/pki/service.key" --keys-file "$OUT/node-$n/keys.txt" -c 64 \
            --op wrap "${extra[@]}" &
        pids+=("$!")
    done
    for n in "${pids[@]}"; do
        wait "$n" || coffre_die "a load test of round $round failed (see $OUT/loadtest.log)"
    done
}

# round ROUND — the three configurations on the three nodes at once, measured together.
round() {
    local r="$1" i config n name srv t0 before
    declare -gA RUN_NODE=() RUN_PID=() RUN_SCRAPER=() RUN_START_MS=()
    before="$(sink_stats)"
    for ((i = 0; i < ${#CONFIGS[@]}; i++)); do
        config="${CONFIGS[i]}" n="${NODES[(i + r) % ${#NODES[@]}]}"
        name="$config-wrap-c64-r$r" srv="$OUT/node-$n"
        RUN_NODE[$config]="$n"
        METRICS_PORT="${NODE_METRICS_PORT[$n]}"
        { cat "$srv/coffre.yaml"; telemetry_yaml "$config"; } >"$srv/coffre-$config.yaml"
        BENCH_NODE_PORT="${NODE_PORT[$n]}"
        t0="$(epoch_ms)"
        launch_bench_node "$srv" "$srv/coffre-$config.yaml" "server-$name"
        RUN_PID[$config]="$BENCH_NODE_PID" RUN_START_MS[$config]=$(( $(epoch_ms) - t0 ))
        if [[ "$config" != baseline ]]; then
            wait_port "$METRICS_PORT" "$BENCH_NODE_PID"
            scrape_loop "$name" &
            RUN_SCRAPER[$config]=$!
            PIDS+=("$!")
        fi
    done
    coffre_info "round $r: $(for c in "${CONFIGS[@]}"; do printf '%s on node %s  ' "$c" "${RUN_NODE[$c]}"; done)"
    LT_DURATION="$SERVER_WARMUP" load_all warm- "$r"
    local run_start run_end sampler
    run_start="$(epoch_ms)"
    # Each node's threads' CPU from about the start of the measured part (after the load tool's
    # start and warm-up) to its end: where a configuration's extra CPU per call goes.
    (
        sleep "$(($(seconds_of "$WARMUP") + 2))"
        for config in "${CONFIGS[@]}"; do
            thread_cpu_json "${RUN_PID[$config]}" >"$OUT/meta/$config-wrap-c64-r$r.threads-start.json"
        done
    ) &
    sampler=$!
    load_all "" "$r"
    wait "$sampler" || true
    for config in "${CONFIGS[@]}"; do
        thread_cpu_json "${RUN_PID[$config]}" >"$OUT/meta/$config-wrap-c64-r$r.threads-end.json"
    done
    run_end="$(epoch_ms)"
    declare -A rss=()
    for config in "${CONFIGS[@]}"; do
        rss[$config]="$(vm_hwm_mib "${RUN_PID[$config]}")"
        [[ -z "${RUN_SCRAPER[$config]:-}" ]] || stop_pid "${RUN_SCRAPER[$config]}"
    done
    for config in "${CONFIGS[@]}"; do
        stop_pid "${RUN_PID[$config]}"
    done
    local after
    after="$(sink_stats)"
    for config in "${CONFIGS[@]}"; do
        name="$config-wrap-c64-r$r"
        MEASURED+=("$name")
        write_meta "$name" "$config" "$r" "$before" "$after" "$run_start" "$run_end" "${RUN_START_MS[$config]}" "${rss[$config]}"
        jq --arg node "${RUN_NODE[$config]}" --slurpfile first "$OUT/meta/$name.threads-start.json" \
            --slurpfile last "$OUT/meta/$name.threads-end.json" \
            '.node = $node | .serverCpuTicksByThreads = ($last[0] | with_entries(.value -= $first[0][.key]))' \
            "$OUT/meta/$name.json" >"$OUT/meta/$name.json.tmp"
        rm -f "$OUT/meta/$name.threads-start.json" "$OUT/meta/$name.threads-end.json"
        mv "$OUT/meta/$name.json.tmp" "$OUT/meta/$name.json"
    done
}

main() {
    telemetry_args telemetry-side-by-side.sh "$@"
    if ((QUICK)); then
        DURATION="${DURATION:-5s}" WARMUP=3s SERVER_WARMUP=8s ROUNDS="${ROUNDS:-1}"
    else
        # Three JVMs warm up at once on two cores: each gets a third of the CPU its JIT needs.
        DURATION="${DURATION:-30s}" WARMUP=20s SERVER_WARMUP=40s ROUNDS="${ROUNDS:-6}"
    fi

    telemetry_start telemetry-sbs
    local started=$SECONDS t0=$SECONDS n r

    start_sink
    for n in "${NODES[@]}"; do
        setup_node "$n"
    done
    for n in "${NODES[@]}"; do
        NODE_METRICS_PORT[$n]="$(distinct_free_port)"
    done
    local setup_seconds=$((SECONDS - t0))
    coffre_info "nodes ready in $setup_seconds s; OTLP sink on 127.0.0.1:$SINK_PORT"
    for ((r = 1; r <= ROUNDS; r++)); do
        round "$r"
    done
    write_results "$setup_seconds"
    report
    coffre_info "done in $((SECONDS - started)) s; results in $OUT/results.json"
}

# write_results SETUP_SECONDS — $OUT/results.json: every run, each round's ratios to its baseline,
# and their means with standard errors, against issue 23's targets.
write_results() {
    jq -n --argjson head "$(telemetry_results_head "$1")" --arg duration "$DURATION" --argjson rounds "$ROUNDS" \
        --argjson runs "$(runs_json)" --argjson meta "$(runs_json "$OUT/meta")" \
        'def r(n): . * n | round / n;
         def mean: add / length;
         def se: if length < 2 then null else (mean as $m | (map(. - $m | . * .) | add / (length - 1) | sqrt) / (length | sqrt)) end;
         def run($c; $i): $runs["\($c)-wrap-c64-r\($i)"];
         def rounds: [range(1; $rounds + 1)];
         def withoutJit($c; $i): $meta["\($c)-wrap-c64-r\($i)"].serverCpuTicksByThreads | add - .jit;
         def stat($xs): {mean: ($xs | mean | r(1000)), standardError: ($xs | se | if . == null then null else r(1000) end)};
         def cost($c): [rounds[] | {round: ., node: $meta["\($c)-wrap-c64-r\(.)"].node,
                 cpuPerCallWithoutJit: ((withoutJit($c; .) / run($c; .).throughput) / (withoutJit("baseline"; .) / run("baseline"; .).throughput)),
                 cpuPerCall: (run($c; .).cpu.serverMicrosPerCall / run("baseline"; .).cpu.serverMicrosPerCall),
                 throughput: (run($c; .).throughput / run("baseline"; .).throughput)}] as $per
             | {perRound: ($per | map(.cpuPerCallWithoutJit |= r(1000) | .cpuPerCall |= r(1000) | .throughput |= r(1000))),
                cpuPerCallWithoutJitRatio: stat($per | map(.cpuPerCallWithoutJit)),
                cpuPerCallRatio: stat($per | map(.cpuPerCall)),
                throughputRatio: stat($per | map(.throughput))};
         def perCallByThreads($c; $i): $meta["\($c)-wrap-c64-r\($i)"].serverCpuTicksByThreads as $t
             | run($c; $i) as $run | ($run.throughput * ($duration | rtrimstr("s") | tonumber)) as $calls
             | $t | with_entries(.value = (.value * 10000 / $calls));
         def means($c): [rounds[] | run($c; .)] as $rs
             | {throughput: ($rs | map(.throughput) | mean | floor), p50Ms: ($rs | map(.latencyMs.p50) | mean | r(100)),
                p99Ms: ($rs | map(.latencyMs.p99) | mean | r(100)), serverMicrosPerCall: ($rs | map(.cpu.serverMicrosPerCall) | mean | r(10)),
                serverMicrosPerCallByThreads: ([rounds[] as $i | perCallByThreads($c; $i)] as $ps
                    | reduce ($ps[0] | keys[]) as $g ({}; .[$g] = ([$ps[][$g]] | mean | r(10))))};
         $head + {method: "side by side: the three configurations at once, on three nodes",
          means: {baseline: means("baseline"), metrics: means("metrics"), tracing: means("tracing")},
          cost: {metrics: cost("metrics"), tracing: cost("tracing")}}
         | .targets = {metricsCostBelow: 0.03, tracingCostBelow: 0.05,
                       metricsMet: (.cost.metrics.cpuPerCallWithoutJitRatio.mean - 1 < 0.03),
                       tracingMet: (.cost.tracing.cpuPerCallWithoutJitRatio.mean - 1 < 0.05)}
         | .errors = ([$runs | to_entries[] | select(.key | startswith("warm-") | not) | .value.errors] | add)
         | .runs = ($meta | with_entries(.value += {report: $runs[.key]}))' \
        >"$OUT/results.json"
}

report() {
    printf '\nTelemetry cost, side by side (three nodes at once), gRPC wrap at 64 in flight each — %s, %s cores, %s%s; %s keys, %s round(s) of %s, load %s -> %s\n' \
        "$(date -u +%Y-%m-%d)" "$(nproc)" "$("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1)" \
        "$( ((QUICK)) && printf ' (quick)')" "$KEY_COUNT" "$ROUNDS" "$DURATION" "$LOAD_AT_START" "$(cut -d' ' -f1-3 /proc/loadavg)"
    jq -r '"  round  node(b/m/t)  calls/s baseline  metrics  tracing   srv µs/call baseline metrics tracing   metrics/baseline cpu tput   tracing/baseline cpu tput",
        (range(1; .rounds + 1) as $i | .runs as $runs
         | [ "baseline", "metrics", "tracing" ] | map($runs["\(.)-wrap-c64-r\($i)"]) as $rs
         | "  \($i | tostring | " " * (5 - length) + .)  \($rs | map(.node) | join("/"))        \($rs | map(.report.throughput | floor | tostring | " " * (8 - length) + .) | join(" "))   \($rs | map(.report.cpu.serverMicrosPerCall * 10 | round / 10 | tostring | " " * (8 - length) + .) | join(" "))   \(($rs[1].report.cpu.serverMicrosPerCall / $rs[0].report.cpu.serverMicrosPerCall * 1000 | round / 1000) | tostring | " " * (12 - length) + .) \(($rs[1].report.throughput / $rs[0].report.throughput * 1000 | round / 1000) | tostring | " " * (5 - length) + .)   \(($rs[2].report.cpu.serverMicrosPerCall / $rs[0].report.cpu.serverMicrosPerCall * 1000 | round / 1000) | tostring | " " * (12 - length) + .) \(($rs[2].report.throughput / $rs[0].report.throughput * 1000 | round / 1000) | tostring | " " * (5 - length) + .)"),
        "",
        (.means | to_entries[] | "  \(.key | . + " " * (9 - length)) mean: \(.value.throughput) calls/s, p50 \(.value.p50Ms) ms, p99 \(.value.p99Ms) ms, server \(.value.serverMicrosPerCall) µs CPU per call"),
        (.means | to_entries[] | "  \(.key | . + " " * (9 - length)) server µs CPU per call by its threads: \(.value.serverMicrosPerCallByThreads | to_entries | map("\(.key) \(.value)") | join(", "))"),
        (.cost | to_entries[] | .key as $k | .value as $v
         | "  \($k)/baseline: server CPU per call without the JIT x\($v.cpuPerCallWithoutJitRatio.mean) ± \($v.cpuPerCallWithoutJitRatio.standardError // "-") (cost \(($v.cpuPerCallWithoutJitRatio.mean - 1) * 1000 | round / 10) %); with it x\($v.cpuPerCallRatio.mean) ± \($v.cpuPerCallRatio.standardError // "-"); throughput x\($v.throughputRatio.mean) ± \($v.throughputRatio.standardError // "-")"),
        "  per round, without the JIT: metrics \(.cost.metrics.perRound | map(.cpuPerCallWithoutJit) | join(" ")); tracing \(.cost.tracing.perRound | map(.cpuPerCallWithoutJit) | join(" "))",
        "  targets: metrics cost < 3 %: \(if .targets.metricsMet then "met" else "NOT met" end); tracing at a 1 % sampling ratio < 5 %: \(if .targets.tracingMet then "met" else "NOT met" end) (by server CPU per call without the JIT; ± one standard error of the mean over the rounds)",
        "  spans received from the tracing nodes: \([.runs[] | select(.config == "tracing") | .otlp.spans] | add), traced share of their wraps \([.runs[] | select(.config == "tracing") | .otlp.sampledShareOfWrapCalls] | add / length * 10000 | round / 10000); scrapes in measured runs: \([.runs[] | .scrapes.inMeasuredRun] | add)",
        "  failed calls \(.errors)\(if .quick then "; --quick: a smoke test, not a measurement" else "" end)"' "$OUT/results.json"
}

main "$@"
