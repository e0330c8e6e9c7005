# Helpers shared by the benchmark scripts (run.sh, xks.sh, asym.sh, envelope.sh, telemetry.sh): ports,
# processes, the copied jars, one run of the load tool, the runs' reports, the bench node. Sourced
# after deploy/lib/common.sh; the functions use the caller's OUT (output directory), DURATION, WARMUP,
# PIDS (processes to stop at exit), BUILD (for build_if_needed), and for start_bench_node and
# launch_bench_node its jvm_args and JFR.

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# free_port — a TCP port nobody listens on (from a high range).
free_port() {
    local p
    for ((p = 18400 + RANDOM % 1000; ; p++)); do
        port_in_use "$p" || { printf '%s\n' "$p"; return; }
    done
}

wait_port() {
    local port="$1" pid="$2" tries=0
    until port_in_use "$port"; do
        kill -0 "$pid" 2>/dev/null || coffre_die "process $pid stopped before opening port $port (see $OUT/*.log)"
        ((tries++ < 240)) || coffre_die "nothing listens on 127.0.0.1:$port after 120 s"
        sleep 0.5
    done
}

# stop_pid PID — SIGTERM, then SIGKILL after 30 s; PID is then dropped from PIDS (so that cleanup
# never signals a later process that got the same number).
stop_pid() {
    local pid="$1" i
    if kill -TERM "$pid" 2>/dev/null; then
        for ((i = 0; i < 60; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    local kept=() p
    for p in "${PIDS[@]}"; do
        [[ "$p" == "$pid" ]] || kept+=("$p")
    done
    PIDS=("${kept[@]}")
}

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        stop_pid "$pid"
    done
}

# [LT_DURATION=D] [LOADTEST_JFR=FILE] loadtest NAME ARGS... — one measured run of coffre-loadtest (for
# $DURATION, or D); its JSON report goes to $OUT/runs/NAME.json, its progress lines to
# $OUT/loadtest.log. With LOADTEST_JFR, the load tool's JVM is recorded by JDK Flight Recorder from
# the end of its warm-up ($WARMUP, plus a second for its start) to its exit, into FILE (which may be
# followed by ,SETTING=VALUE... for the recording, e.g. jdk.ExecutionSample#period=1ms).
loadtest() {
    local name="$1" java_opts="${JAVA_OPTS:-}"
    shift
    coffre_info "run $name: $*"
    printf '\n== %s: %s\n' "$name" "$*" >>"$OUT/loadtest.log"
    if [[ -n "${LOADTEST_JFR:-}" ]]; then
        local delay="${WARMUP%s}"
        [[ "$delay" =~ ^[0-9]+$ ]] || coffre_die "LOADTEST_JFR needs WARMUP in seconds (got $WARMUP)"
        # (its start-up message would go to stdout, into the JSON report)
        java_opts+=" -Xlog:jfr+startup=off -XX:StartFlightRecording=delay=$((delay + 1))s,filename=$LOADTEST_JFR,settings=profile,dumponexit=true${JFR_SETTINGS:+,$JFR_SETTINGS}"
    fi
    JAVA_OPTS="$java_opts" bash "$COFFRE_ROOT/deploy/bin/coffre-loadtest" --json --label "$name" \
        --duration "${LT_DURATION:-$DURATION}" --warmup "$WARMUP" \
        "$@" >"$OUT/runs/$name.json" 2>>"$OUT/loadtest.log" ||
        coffre_die "load test $name failed (see $OUT/loadtest.log)"
    local errors
    errors="$(jq -r .errors "$OUT/runs/$name.json")"
    ((errors == 0)) || coffre_warn "$name: $errors failed calls: $(jq -c .errorsByReason "$OUT/runs/$name.json")"
}

tput_of() { jq -r '.throughput' "$OUT/runs/$1.json"; }
p_of() { jq -r ".latencyMs[\"$2\"]" "$OUT/runs/$1.json"; }

# runs_json [DIR] — every JSON file in DIR (default $OUT/runs, the load tool's reports) as one JSON
# object, keyed by file name without .json, i.e. by run name (for results.json).
runs_json() {
    local json="{}" f
    for f in "${1:-$OUT/runs}"/*.json; do
        json="$(jq --arg k "$(basename "$f" .json)" --slurpfile v "$f" '. + {($k): $v[0]}' <<<"$json")"
    done
    printf '%s\n' "$json"
}

# seconds_of DURATION — the number of seconds of a duration written NNs (as --duration takes it).
seconds_of() {
    [[ "$1" =~ ^([0-9]+)s$ ]] || coffre_die "not a duration in seconds: $1"
    printf '%s\n' "${BASH_REMATCH[1]}"
}

# snapshot_module MODULE — copies MODULE's jar and target/lib to $OUT/app/MODULE and prints the
# class path: other people's builds may replace target/ while the benchmark runs (a server then
# fails with NoClassDefFoundError in the middle of a measurement).
snapshot_module() {
    local m="$1" dest="$OUT/app/$1"
    mkdir -p "$dest/lib"
    cp "$(coffre_module_jar "$m")" "$dest/"
    cp "$COFFRE_ROOT/$m/target/lib/"*.jar "$dest/lib/"
    printf '%s\n' "$dest/*:$dest/lib/*"
}

# gc_summary LOG — the JVM's pauses in a -Xlog:gc log, as JSON: how many (remarks among them),
# the longest and their sum, in ms.
gc_summary() {
    awk '/ Pause / { n++; if ($0 ~ / Pause Remark/) r++; t = $NF; sub(/ms$/, "", t); t += 0; s += t; if (t > m) m = t }
        END { printf "{\"pauses\": %d, \"remarkPauses\": %d, \"maxPauseMs\": %.1f, \"totalPauseMs\": %.0f}\n", n, r, m, s }' "$1"
}

# thread_cpu_json PID — the CPU time (user + system, in clock ticks of 10 ms) of PID's threads so
# far, by kind of thread as their names say: jit (C1/C2 compilers), gc (G1's threads), event_loops
# (Vert.x's), workers (Coffre's and Vert.x's worker pools), audit (the audit log's writer and
# watchdog), other (the rest: timers, H2, telemetry exporters, the JVM's own). Threads that have
# ended are not counted.
thread_cpu_json() {
    local f
    for f in /proc/"$1"/task/*/stat; do
        cat "$f" 2>/dev/null || true
    done | awk '
        {
            lp = index($0, "("); rp = 0
            for (i = length($0); i > 0; i--) if (substr($0, i, 1) == ")") { rp = i; break }
            name = substr($0, lp + 1, rp - lp - 1)
            split(substr($0, rp + 2), f, " ")
            if (name ~ /^C[12] Compiler/) g = "jit"
            else if (name ~ /^(GC Thread|G1 )/) g = "gc"
            else if (name ~ /^vert\.x-eventloo/) g = "event_loops"
            else if (name ~ /^coffre-audit/) g = "audit"
            else if (name ~ /^(coffre-|vert\.x-worker|vert\.x-internal)/) g = "workers"
            else g = "other"
            t[g] += f[12] + f[13]
        }
        END { printf "{\"jit\": %d, \"gc\": %d, \"event_loops\": %d, \"workers\": %d, \"audit\": %d, \"other\": %d}\n",
                     t["jit"], t["gc"], t["event_loops"], t["workers"], t["audit"], t["other"] }'
}

vm_hwm_mib() {
    awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"
}

# build_if_needed [MODULE...] — builds (mvn package -DskipTests -am) the load tool, the server and the
# CLI if a jar or its target/lib is missing, and the MODULEs named (known to be missing by the
# caller); with BUILD=0 (--no-build) stops instead, naming them.
build_if_needed() {
    local missing=("$@") m
    for m in kms-loadtest kms-server kms-cli; do
        if [[ -z "$(coffre_module_jar "$m")" || ! -d "$COFFRE_ROOT/$m/target/lib" ]]; then
            missing+=("$m")
        fi
    done
    ((${#missing[@]} > 0)) || return 0
    ((BUILD)) || coffre_die "not built: ${missing[*]} (run without --no-build)"
    coffre_info "building ${missing[*]} (mvn package -DskipTests)"
    local list
    list="$(IFS=,; printf '%s' "${missing[*]}")"
    coffre_mvn -q package -DskipTests -pl "$list" -am || coffre_die "the build failed"
}

# start_bench_node SRV EXTRA_YAML — starts a bench node under SRV (own SoftHSM token coffre-bench,
# H2 store, the officers of $OUT/officers, the PKI of $OUT/pki) on a free port, with the heap and
# GC settings deploy/bin/coffre-server gives a node and every GC pause in $OUT/server-gc.log;
# EXTRA_YAML (may be empty) is appended to its coffre.yaml. Runs the officers' ceremony. Sets
# BENCH_NODE_PORT and BENCH_NODE_PID (also added to PIDS); writes SRV/cli-admin.properties.
start_bench_node() {
    local srv="$1" extra_yaml="$2"
    write_bench_node "$srv"
    [[ -z "$extra_yaml" ]] || printf '%s\n' "$extra_yaml" >>"$srv/coffre.yaml"
    launch_bench_node "$srv" "$srv/coffre.yaml" server
    bash "$COFFRE_ROOT/deploy/bin/coffre" ceremony init "$OUT/officers/ceremony.doc" "$OUT"/officers/{alice,bob,carol}.sig \
        --cli-config "$srv/cli-admin.properties" >>"$OUT/setup.log" 2>&1 || coffre_die "ceremony init failed (see $OUT/setup.log)"
}

# write_bench_node SRV — the files of a bench node under SRV (see start_bench_node): its SoftHSM
# token, the officers, SRV/coffre.yaml (on a free port, which it sets in BENCH_NODE_PORT) and
# SRV/cli-admin.properties. Starts nothing.
write_bench_node() {
    local srv="$1" cport
    mkdir -p "$srv/data"
    cport="$(free_port)"
    bash "$COFFRE_ROOT/deploy/dev/softhsm-token.sh" "$srv/softhsm" coffre-bench 2>>"$OUT/setup.log"
    bash "$COFFRE_ROOT/deploy/dev/officers.sh" "$OUT/officers" 2>>"$OUT/setup.log"
    cat >"$srv/coffre.yaml" <<YAML
# Benchmark node written by deploy/bench/$(basename "$0").
node:
  id: bench-1
server:
  host: 127.0.0.1
  port: $cport
tls:
  certificate: ../pki/server.pem
  privateKey: ../pki/server.key
  clientCa: ../pki/ca.pem
hsm:
  profile: softhsm2
  tokenLabel: coffre-bench
  pinFile: softhsm/hsm.pin
  sessions: 4
store:
  type: h2
  path: data/coffre
authorization:
  administrators: ["spiffe://coffre.dev/admin"]
  officers: ["spiffe://coffre.dev/officer/*"]
  clients: ["spiffe://coffre.dev/service/*"]
keys:
  deletionCheckInterval: PT1M
YAML
    cat >"$srv/cli-admin.properties" <<PROPS
endpoint=127.0.0.1:$cport
ca-cert=../pki/ca.pem
cert=../pki/admin.pem
key=../pki/admin.key
timeout=30
PROPS
    BENCH_NODE_PORT="$cport"
}

# launch_bench_node SRV CONFIG NAME — starts the node of SRV (written by write_bench_node) with the
# configuration file CONFIG (in SRV: its paths are relative to it), from a copy of the server's
# jars, with the heap and GC settings deploy/bin/coffre-server gives a node; its output goes to
# $OUT/NAME.log and every GC pause (wall-clock times) to $OUT/NAME-gc.log; with JFR=1 it is recorded
# into $OUT/NAME.jfr (JFR_SETTINGS, e.g. jdk.ExecutionSample#period=1ms, adds settings to the recording). Waits until it listens on $BENCH_NODE_PORT. The same SRV may be launched again
# once stopped (same token, store and keys). Sets BENCH_NODE_PID (also added to PIDS).
launch_bench_node() {
    local srv="$1" config="$2" name="$3" spid
    # The heap and GC settings deploy/bin/coffre-server gives a node unless JAVA_OPTS sets them.
    local server_opts
    server_opts="$(coffre_server_jvm_opts "${JAVA_OPTS:-}") ${JAVA_OPTS:-}"
    # Every pause, with wall-clock times (to lay beside a run's latency), summed up in results.json.
    server_opts+=" -Xlog:gc:file=$OUT/$name-gc.log:time,uptime"
    if ((${JFR:-0})); then
        server_opts+=" -XX:StartFlightRecording=filename=$OUT/$name.jfr,settings=profile,dumponexit=true${JFR_SETTINGS:+,$JFR_SETTINGS}"
    fi
    local server_cp java_opts=() extra=()
    if [[ -d "$OUT/app/kms-server" ]]; then
        # Launched again: the copy made at its first launch.
        server_cp="$OUT/app/kms-server/*:$OUT/app/kms-server/lib/*"
    else
        server_cp="$(snapshot_module kms-server)"
    fi
    read -r -a java_opts <<<"$server_opts"
    ((COFFRE_JAVA_MAJOR < 22)) || extra+=(--enable-native-access=ALL-UNNAMED)
    ((COFFRE_JAVA_MAJOR < 23)) || extra+=(--sun-misc-unsafe-memory-access=allow)
    # Same JVM flags as deploy/bin/coffre-server, from a copy of the jars.
    (cd "$COFFRE_ROOT" && SOFTHSM2_CONF="$srv/softhsm/softhsm2.conf" exec "$JAVA_HOME/bin/java" "${jvm_args[@]}" \
        "${extra[@]}" "${java_opts[@]}" -cp "$server_cp" coffre.kms.server.Main --config "$config" \
        >"$OUT/$name.log" 2>&1) &
    spid=$!
    PIDS+=("$spid")
    wait_port "$BENCH_NODE_PORT" "$spid"
    BENCH_NODE_PID="$spid"
}
