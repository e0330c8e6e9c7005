# The telemetry benchmarks' shared parts (telemetry.sh, telemetry-side-by-side.sh): the three
# configurations, the OTLP sink, the scraper, each run's telemetry record. Sourced after lib.sh; uses
# the caller's OUT, DURATION and PIDS, METRICS_PORT (the node's metrics listener) and SINK_PORT;
# parses their options and prepares their output directory.

# Prometheus' default scrape interval, and the sampling ratio issue 23 sets the target for.
SCRAPE_SECONDS=15
SAMPLING_RATIO=0.01
CONFIGS=(baseline metrics tracing)

# telemetry_yaml CONFIG — the telemetry block appended to the node's coffre.yaml for CONFIG.
telemetry_yaml() {
    case "$1" in
        baseline) printf 'telemetry:\n  metrics:\n    enabled: false\n' ;;
        metrics) printf 'telemetry:\n  metrics:\n    port: %s\n' "$METRICS_PORT" ;;
        tracing) printf 'telemetry:\n  metrics:\n    port: %s\n  tracing:\n    endpoint: http://127.0.0.1:%s/v1/traces\n    samplingRatio: %s\n' \
            "$METRICS_PORT" "$SINK_PORT" "$SAMPLING_RATIO" ;;
    esac
}

# start_sink — the OTLP/HTTP collector stand-in, in the background; sets SINK_PORT.
start_sink() {
    local port_file="$OUT/otlp-sink.port" tries=0
    "$JAVA_HOME/bin/java" "$COFFRE_ROOT/deploy/bench/OtlpSink.java" "$port_file" >"$OUT/otlp-sink.log" 2>&1 &
    PIDS+=("$!")
    until [[ -s "$port_file" ]]; do
        kill -0 "${PIDS[-1]}" 2>/dev/null || coffre_die "the OTLP sink stopped (see $OUT/otlp-sink.log)"
        ((tries++ < 120)) || coffre_die "the OTLP sink did not start within 60 s"
        sleep 0.5
    done
    SINK_PORT="$(<"$port_file")"
}

sink_stats() {
    curl -sf --max-time 10 "http://127.0.0.1:$SINK_PORT/stats" || coffre_die "the OTLP sink does not answer"
}

epoch_ms() {
    local t="$EPOCHREALTIME"
    printf '%s\n' "$(( ${t%.*} * 1000 + 10#${t#*.} / 1000 ))"
}

# scrape_loop NAME — in the background until killed: GET /metrics every $SCRAPE_SECONDS on a fixed
# schedule from now (as Prometheus does), a line per scrape in $OUT/scrapes/NAME.tsv (epoch ms,
# HTTP status, bytes, seconds), the last answer in $OUT/scrapes/NAME.prom.
scrape_loop() {
    local name="$1" next now line
    next="$(epoch_ms)"
    while :; do
        line="$(curl -s --max-time 10 -o "$OUT/scrapes/$name.prom.tmp" -w '%{http_code}\t%{size_download}\t%{time_total}' \
            "http://127.0.0.1:$METRICS_PORT/metrics" || true)"
        printf '%s\t%s\n' "$next" "$line" >>"$OUT/scrapes/$name.tsv"
        mv -f "$OUT/scrapes/$name.prom.tmp" "$OUT/scrapes/$name.prom" 2>/dev/null || true
        next=$((next + SCRAPE_SECONDS * 1000))
        now="$(epoch_ms)"
        # A builtin wait: killing this loop then leaves no sleep process behind.
        ((next <= now)) || read -rt "$(printf '%d.%03d' $(((next - now) / 1000)) $(((next - now) % 1000)))" <> <(:) || true
    done
}

# write_meta NAME CONFIG ROUND SINK_BEFORE SINK_AFTER RUN_START_MS RUN_END_MS START_MS RSS — the run's
# telemetry side: scrapes (all of them, and those in the measured part: the load tool's last
# DURATION before it returned), the node's own count of wrap calls in its last scrape, what the sink
# received, the sampled share of the wrap calls; the measured part's bounds (epoch ms: for
# TelemetryShare.java --from/--to on a JFR=1 run's recording).
write_meta() {
    local name="$1" tsv="$OUT/scrapes/$1.tsv" prom="$OUT/scrapes/$1.prom" scrapes='[]' wraps=null
    local window_start=$(( $7 - $(seconds_of "$DURATION") * 1000 ))
    if [[ -f "$tsv" ]]; then
        scrapes="$(jq -R -s 'split("\n") | map(select(length > 0) | split("\t")
            | {atMs: (.[0] | tonumber), status: (.[1] | tonumber), bytes: (.[2] | tonumber), seconds: (.[3] | tonumber)})' "$tsv")"
    fi
    if [[ -f "$prom" ]]; then
        wraps="$(awk '/^coffre_calls_total\{/ && /method="CryptoService\/Wrap"/ && /outcome="OK"/ { n += $NF; found = 1 }
            END { if (found) printf "%d", n; else print "null" }' "$prom")"
    fi
    jq -n --arg config "$2" --argjson round "$3" --argjson before "$4" --argjson after "$5" --argjson scrapes "$scrapes" \
        --argjson from "$window_start" --argjson to "$7" --argjson startMs "$8" --argjson rss "$9" --argjson wraps "$wraps" \
        --argjson warm "$(jq '.acknowledged' "$OUT/runs/warm-$name.json")" --argjson run "$(jq '.acknowledged' "$OUT/runs/$name.json")" \
        --argjson gc "$(gc_summary "$OUT/server-$name-gc.log")" \
        '{config: $config, round: $round, measuredFromMs: $from, measuredToMs: $to, nodeStartMs: $startMs, serverPeakRssMiB: $rss, serverGc: $gc,
          wrapCallsOverTheNodesLife: ($warm + $run),
          scrapes: {count: ($scrapes | length), failed: ($scrapes | map(select(.status != 200)) | length),
                    inMeasuredRun: ($scrapes | map(select(.atMs >= $from and .atMs <= $to)) | length),
                    lastBytes: ($scrapes | map(select(.status == 200)) | last | .bytes? // null),
                    longestSeconds: ($scrapes | map(.seconds) | max),
                    wrapCallsOkInLastScrape: $wraps},
          otlp: {exports: ($after.exports - $before.exports), bytes: ($after.bytes - $before.bytes),
                 malformed: ($after.malformed - $before.malformed), spans: ($after.spans - $before.spans),
                 spansByName: ($after.spansByName | with_entries(.value -= ($before.spansByName[.key] // 0))
                               | with_entries(select(.value > 0)))}}
         | .otlp.sampledShareOfWrapCalls = (if .otlp.spans == 0 then 0
               else ((.otlp.spansByName["CryptoService/Wrap"] // 0) / .wrapCallsOverTheNodesLife * 10000 | round / 10000) end)' \
        >"$OUT/meta/$name.json"
}

# telemetry_args PROGRAM ARGS... — the options both telemetry benches take (their headers say
# which): sets QUICK, OUT, KEY_COUNT, ROUNDS, DURATION, BUILD; calls the script's usage on a bad one.
telemetry_args() {
    local program="$1"
    shift
    while (($# > 0)); do
        case "$1" in
            --quick) QUICK=1; shift ;;
            --out) (($# >= 2)) || usage; OUT="$2"; shift 2 ;;
            --keys) (($# >= 2)) && [[ "$2" =~ ^[1-9][0-9]*$ ]] || usage; KEY_COUNT="$2"; shift 2 ;;
            --rounds) (($# >= 2)) && [[ "$2" =~ ^[1-9][0-9]*$ ]] || usage; ROUNDS="$2"; shift 2 ;;
            --duration) (($# >= 2)) && [[ "$2" =~ ^[1-9][0-9]*s$ ]] || usage; DURATION="$2"; shift 2 ;;
            --no-build) BUILD=0; shift ;;
            -h | --help) usage ;;
            *) printf '%s: unknown argument: %s\n' "$program" "$1" >&2; usage ;;
        esac
    done
}

# telemetry_start NAME — what both benches need before their nodes: the packages, a JDK, the built
# modules, the output directory (OUT, default target/bench/NAME-<timestamp>, with runs/, meta/ and
# scrapes/), the exit traps (every process started is stopped), the load average at the start
# (LOAD_AT_START), the bench PKI in OUT/pki and the JVM arguments of the nodes (jvm_args).
telemetry_start() {
    coffre_ensure_packages softhsm2 openssl jq curl
    coffre_find_jdk
    build_if_needed
    OUT="${OUT:-$COFFRE_ROOT/target/bench/$1-$(date +%Y%m%d-%H%M%S)}"
    umask 077
    mkdir -p "$OUT/runs" "$OUT/meta" "$OUT/scrapes"
    OUT="$(cd "$OUT" && pwd -P)"
    coffre_info "output directory: $OUT"
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    LOAD_AT_START="$(cut -d' ' -f1-3 /proc/loadavg)"
    bash "$COFFRE_ROOT/deploy/dev/pki.sh" "$OUT/pki" 2>>"$OUT/setup.log"
    read -r -a jvm_args <<<"$COFFRE_JVM_ARGS"
}

# telemetry_results_head SETUP_SECONDS — as JSON, what both benches' results.json begin with: when,
# which commit, the machine and its load at the start and the end, the JDK, the run's parameters.
telemetry_results_head() {
    jq -n --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg host "$(hostname)" --arg cpus "$(nproc)" \
        --arg cpu "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" \
        --arg jdk "$("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1)" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
        --arg load0 "$LOAD_AT_START" --argjson quick "$QUICK" --arg duration "$DURATION" --argjson rounds "$ROUNDS" \
        --argjson keys "$KEY_COUNT" --argjson setup "$1" --argjson scrape "$SCRAPE_SECONDS" --argjson ratio "$SAMPLING_RATIO" \
        --arg commit "$(git -C "$COFFRE_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
        '{date: $date, commit: $commit,
          machine: {host: $host, cpus: ($cpus | tonumber), cpu: $cpu, loadAverageAtStart: $load0, loadAverageAtEnd: $load},
          jdk: $jdk, quick: ($quick == 1), durationPerRun: $duration, rounds: $rounds, keys: $keys, setupSeconds: $setup,
          scrapeIntervalSeconds: $scrape, samplingRatio: $ratio}'
}

