#!/usr/bin/env bash
# FastRouter end-to-end benchmark: simulator pods + the AOT router on loopback, each scenario run through the
# router and in the load generator's direct (no router) mode, router CPU and memory sampled from /proc.
# With wrk, phase 2 also runs three references under the same load, in the same minutes: a plain YARP one-hop
# forwarder (loadtests/YarpReference, JIT), so the router's CPU per request can be read in YARP hops (in alternated
# rounds, then in rounds with both loaded at the same time, where the VM's drift cancels); a C proxy that
# makes only the legs' socket calls (loadtests/SyscallFloor), the floor any router pays here; and a .NET
# orchestrator with only the router's parts (loadtests/MinimalOrchestrator), so what the router's own work adds shows.
# Writes loadtests/results/bench-<timestamp>/{results.md,results.json,<scenario>/{summary.json,report.html}}.
# See docs/benchmarks.md ("Current figures", "Method") for what each figure means. Usage:
#
#   loadtests/bench.sh [--quick] [--streams N] [--no-streams] [--gc-matrix] [--out DIR]
#
#   --quick       shorter phases (about 3 minutes instead of about 9)
#   --streams N   concurrent slow streams for the many-streams phase (default: 10000, capped by ulimit -n: 2 fds each)
#   --no-streams  skip the many-streams phase
#   --only-streams  run only the many-streams phase
#   --gc-matrix   also run the wrk phase under workstation/server GC, concurrent or not, DATAS (env knobs)
#   --router-env K=V  environment for the routers (e.g. a GC knob: DOTNET_GCConserveMemory=5); repeatable
#   --report-only DIR  rewrite DIR/results.md and results.json from DIR/results.kv, run nothing
#   --out DIR     output folder (default loadtests/results/bench-<timestamp>)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=wrk-bodies.sh
source "$ROOT/loadtests/wrk-bodies.sh"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$ROOT/loadtests/results/bench-$STAMP"
QUICK=0
STREAMS=10000
RUN_STREAMS=1
ONLY_STREAMS=0
ROUTER_ENV=(BENCH=1)
REPORT_ONLY=""
GC_MATRIX=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --streams) STREAMS=$2; shift ;;
    --no-streams) RUN_STREAMS=0 ;;
    --only-streams) ONLY_STREAMS=1 ;;
    --gc-matrix) GC_MATRIX=1 ;;
    --out) OUT=$2; shift ;;
    --router-env) ROUTER_ENV+=("$2"); shift ;;
    --report-only) REPORT_ONLY=$2; shift ;;
    -h|--help) sed -n '2,/^set /{/^#/p}' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[[ -n $REPORT_ONLY ]] && OUT=$REPORT_ONLY
mkdir -p "$OUT"
LOG="$OUT/bench.log"
say() { echo "[bench $(date -u +%H:%M:%S)] $*" | tee -a "$LOG"; }

if [[ $QUICK == 1 ]]; then D_SHORT=4; D_LONG=6; D_WRK=8; D_ROUND=3; else D_SHORT=8; D_LONG=15; D_WRK=15; D_ROUND=5; fi
HOP_ROUNDS=4 # alternated router/YARP rounds for the CPU comparison
PAIR_ROUNDS=8 # rounds with the router and YARP loaded at the same time (drift cancels within a round)

# ---------------------------------------------------------------- prerequisites
BIN="$ROOT/artifacts/aot/fastrouter"
if [[ -z $REPORT_ONLY && ! -x $BIN ]]; then
  say "publishing the AOT binary (as CI does)"
  dotnet publish src/FastRouter.Aot -c Release -o artifacts/aot >>"$LOG" 2>&1
fi
[[ -n $REPORT_ONLY ]] || say "building the load generator"
[[ -n $REPORT_ONLY ]] || dotnet build loadtests/FastRouter.LoadTests -c Release -o "$ROOT/artifacts/loadtests" >>"$LOG" 2>&1
LG_DLL="$ROOT/artifacts/loadtests/FastRouter.LoadTests.dll"
[[ -n $REPORT_ONLY ]] || say "building the YARP reference forwarder"
[[ -n $REPORT_ONLY ]] || dotnet build loadtests/YarpReference -c Release -o "$ROOT/artifacts/yarp-reference" >>"$LOG" 2>&1
YARP_DLL="$ROOT/artifacts/yarp-reference/YarpReference.dll"
[[ -n $REPORT_ONLY ]] || say "building the minimal orchestrator (the design floor)"
[[ -n $REPORT_ONLY ]] || dotnet build loadtests/MinimalOrchestrator -c Release -o "$ROOT/artifacts/minimal-orchestrator" >>"$LOG" 2>&1
MINIMAL_DLL="$ROOT/artifacts/minimal-orchestrator/MinimalOrchestrator.dll"
if [[ -z $REPORT_ONLY ]] && ! command -v wrk >/dev/null 2>&1; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    say "installing wrk from Debian"
    (apt-get install -y wrk || (apt-get update && apt-get install -y wrk)) >>"$LOG" 2>&1 || true
  fi
fi
command -v wrk >/dev/null 2>&1 || say "wrk not available: the throughput phase uses the load generator instead"
FLOOR_BIN="$ROOT/artifacts/syscall-floor/floor_proxy"
if [[ -z $REPORT_ONLY ]]; then
  c_compiler() { command -v cc || command -v gcc || command -v clang; } 2>/dev/null
  if ! c_compiler >/dev/null && [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    say "installing a C compiler from Debian (for the syscall floor)"
    (apt-get install -y gcc || (apt-get update && apt-get install -y gcc)) >>"$LOG" 2>&1 || true
  fi
  mkdir -p "$(dirname "$FLOOR_BIN")"
  CC=$(c_compiler || true)
  [[ -n $CC ]] && "$CC" -O2 -o "$FLOOR_BIN" loadtests/SyscallFloor/floor_proxy.c >>"$LOG" 2>&1 || FLOOR_BIN=""
  [[ -n $FLOOR_BIN ]] || say "no C compiler: the syscall floor rounds are skipped"
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE=$(ulimit -n)
TCK=$(getconf CLK_TCK)

# ---------------------------------------------------------------- processes
# shellcheck source=processes.sh
source "$ROOT/loadtests/processes.sh"

ROUTER_PID=0
STARTUP_MS=""
start_router() { # port prefill-url decode-url [env...]
  local port=$1 prefill=$2 decode=$3; shift 3
  local t0 t1
  t0=$EPOCHREALTIME
  env "${ROUTER_ENV[@]}" "$@" "$BIN" --host 127.0.0.1 --port "$port" --service-discovery static \
    --static-backends "$prefill,$decode" --static-model-labels prefill,decode \
    --static-models llama31-8b,llama31-8b --routing-logic disaggregated_prefill_orchestrated \
    --prefill-model-labels prefill --decode-model-labels decode --log-level warning >>"$OUT/router-$port.log" 2>&1 &
  ROUTER_PID=$!
  PIDS+=($ROUTER_PID)
  wait_http "$port" /livez
  t1=$EPOCHREALTIME
  STARTUP_MS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }')
}
stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
reset_hwm() { echo 5 >"/proc/$1/clear_refs" 2>/dev/null || true; }

# ---------------------------------------------------------------- load generator helpers
loadgen() { # name args...
  local name=$1; shift
  dotnet "$LG_DLL" --no-progress --name "$name" --out "$OUT/$name" "$@" >"$OUT/$name.txt" 2>&1 || true
}
jqs() { jq -r "$2" "$OUT/$1/summary.json"; }
sent() { jqs "$1" '.requests.sent_including_warmup'; }
metric() { jqs "$1" ".metrics.$2.$3 // \"null\""; } # name metric p50_ms|p99_ms -> ms

RESULTS="$OUT/results.kv"
[[ -n $REPORT_ONLY ]] || : >"$RESULTS"
record() { echo "$1=$2" >>"$RESULTS"; }
get() { awk -F= -v k="$1" '$1 == k { v = $2 } END { print (v == "" ? "-" : v) }' "$RESULTS"; } # last value, or -

# Runs the load generator against the router, measuring the router's CPU and peak RSS over the run.
# warm-up is a separate unrecorded run so CPU covers exactly the measured requests.
routed() { # name port args...
  local name=$1 port=$2; shift 2
  loadgen "$name-warm" --target "http://127.0.0.1:$port" --duration 2s --warmup 0 "$@"
  local c0 c1
  reset_hwm "$ROUTER_PID"
  c0=$(cpu_ticks "$ROUTER_PID")
  loadgen "$name" --target "http://127.0.0.1:$port" --warmup 0 "$@"
  c1=$(cpu_ticks "$ROUTER_PID")
  local n; n=$(sent "$name")
  record "$name.requests" "$n"
  record "$name.cpu_ms" "$(( (c1 - c0) * 1000 / TCK ))"
  record "$name.cpu_us_per_request" "$(awk -v t=$((c1 - c0)) -v k="$TCK" -v n="$n" 'BEGIN { printf "%.1f", t * 1e6 / k / n }')"
  record "$name.hwm_kb" "$(status_kb "$ROUTER_PID" VmHWM)"
  record "$name.rps" "$(jqs "$name" '.rates.requests_per_second')"
  record "$name.errors" "$(jqs "$name" '.requests.failed')"
  for m in ttft itl e2e; do for p in p50_ms p99_ms; do record "$name.$m.$p" "$(metric "$name" $m $p)"; done; done
}
direct() { # name prefill-port decode-port args...
  local name=$1 pp=$2 dp=$3; shift 3
  local target=(--direct-prefill "http://127.0.0.1:$pp" --direct-decode "http://127.0.0.1:$dp")
  loadgen "$name-warm" "${target[@]}" --duration 2s --warmup 0 "$@"
  loadgen "$name" "${target[@]}" --warmup 0 "$@"
  record "$name.requests" "$(sent "$name")"
  record "$name.rps" "$(jqs "$name" '.rates.requests_per_second')"
  record "$name.errors" "$(jqs "$name" '.requests.failed')"
  for m in ttft itl e2e; do for p in p50_ms p99_ms; do record "$name.$m.$p" "$(metric "$name" $m $p)"; done; done
}
load_now() { cut -d' ' -f1-3 /proc/loadavg; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "-" }'; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.1f", a - b; else print "-" }'; }

# ---------------------------------------------------------------- report
write_report() {
pair_list() { local r out=""; for r in $(seq 1 "$PAIR_ROUNDS"); do out+="${out:+ · }$(get "pair-r$r-$1.cpu_us_per_request")"; done; echo "$out"; }
round_list() { local r out=""; for r in $(seq 1 "$HOP_ROUNDS"); do out+="${out:+ · }$(get "hops-r$r-$1.cpu_us_per_request")"; done; echo "$out"; }
int() { awk -v v="$1" 'BEGIN { if (v == "-" || v == "null") print "-"; else printf "%.0f", v }'; }
us() { awk -v v="$1" 'BEGIN { if (v == "-" || v == "null") print "-"; else printf "%.0f", v * 1000 }'; }
diffus() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || a == "null" || b == "null") print "-"; else printf "%+.0f", (a - b) * 1000 }'; }
ev_cpu=$(awk -v a="$(get zero-c1-ev264.cpu_us_per_request)" -v b="$(get zero-c1-ev8.cpu_us_per_request)" 'BEGIN { printf "%.2f", (a - b) / 256 }')
record derived.cpu_us_per_event "$ev_cpu"
{
  echo "# bench.sh $STAMP"
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r); AOT binary $(get binary.bytes) B, hot methods in $(get binary.hot_method_pages) code pages;"
  echo "load average before $(get machine.load_before), after $(get machine.load_after). Router: \`--log-level warning\`, static discovery."
  echo
  echo "## Router-added latency, zero-latency pods, concurrency 1 (µs; router − direct)"
  echo
  echo "| Scenario | | TTFT p50 | TTFT p99 | ITL p50 | ITL p99 | E2E p50 | E2E p99 | req/s | errors |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for s in chat stream; do
    for side in router direct; do
      n="zero-c1-$s-$side"
      echo "| $s | $side | $(us "$(get "$n.ttft.p50_ms")") | $(us "$(get "$n.ttft.p99_ms")") | $(us "$(get "$n.itl.p50_ms")") | $(us "$(get "$n.itl.p99_ms")") | $(us "$(get "$n.e2e.p50_ms")") | $(us "$(get "$n.e2e.p99_ms")") | $(int "$(get "$n.rps")") | $(get "$n.errors") |"
    done
    r="zero-c1-$s-router"; d="zero-c1-$s-direct"
    echo "| $s | **added** | $(diffus "$(get "$r.ttft.p50_ms")" "$(get "$d.ttft.p50_ms")") | $(diffus "$(get "$r.ttft.p99_ms")" "$(get "$d.ttft.p99_ms")") | $(diffus "$(get "$r.itl.p50_ms")" "$(get "$d.itl.p50_ms")") | $(diffus "$(get "$r.itl.p99_ms")" "$(get "$d.itl.p99_ms")") | $(diffus "$(get "$r.e2e.p50_ms")" "$(get "$d.e2e.p50_ms")") | $(diffus "$(get "$r.e2e.p99_ms")" "$(get "$d.e2e.p99_ms")") | | |"
  done
  echo
  echo "## Router CPU (utime+stime from /proc/<pid>/stat) and memory"
  echo
  echo "| What | Figure |"
  echo "|---|---|"
  echo "| CPU per non-streaming request, concurrency 1 | $(get zero-c1-chat-router.cpu_us_per_request) µs |"
  echo "| CPU per streaming request (64 tokens, 67 events), concurrency 1 | $(get zero-c1-stream-router.cpu_us_per_request) µs |"
  echo "| CPU per relayed event: (CPU/req at 264 tokens − at 8 tokens) / 256 | $ev_cpu µs |"
  echo "| CPU per non-streaming request, 64 clients (wrk) | $(get zero-c64-wrk-router.cpu_us_per_request) µs |"
  echo "| CPU per request, plain YARP forwarder, one hop (JIT), 64 clients (wrk), same machine and minutes | $(get zero-c64-wrk-yarp.cpu_us_per_request) µs |"
  echo "| Router CPU per request in YARP hops: median over $HOP_ROUNDS alternated rounds of router ÷ YARP (${D_ROUND} s each, wrk -t2 -c64) | $(get derived.router_per_yarp_hop) (rounds: $(get derived.router_per_yarp_hop_rounds); router $(round_list router) µs, YARP $(round_list yarp) µs) |"
  echo "| Router CPU per request in YARP hops, paired: median over $PAIR_ROUNDS rounds of router ÷ YARP, both loaded at the same time (${D_ROUND} s each, wrk -t1 -c32 each) | $(get derived.router_per_yarp_hop_paired) (rounds: $(get derived.router_per_yarp_hop_paired_rounds); router $(pair_list router) µs, YARP $(pair_list yarp) µs) |"
  echo "| Syscall floor, two legs: a C proxy making only the legs' socket calls (\`loadtests/SyscallFloor\`), same rounds | $(round_list floor2) µs |"
  echo "| Router CPU above that floor: median over the rounds of router − floor | $(get derived.router_above_floor_us) µs (a YARP hop above its one-hop floor of $(round_list floor1) µs: $(get derived.yarp_above_floor_us) µs) |"
  echo "| Design floor: Kestrel + two SocketsHttpHandler legs and nothing else (\`loadtests/MinimalOrchestrator\`, JIT, the router's runtime settings), same rounds | $(round_list minimal) µs |"
  echo "| Router CPU above the design floor: median over the rounds of router − minimal orchestrator (what the router's own work costs) | $(get derived.router_above_design_floor_us) µs |"
  echo "| CPU per non-streaming request, 64 clients (load generator) | $(get zero-c64-chat-router.cpu_us_per_request) µs |"
  echo "| Start-up: exec to first 200 from /livez | $(get startup.ms) ms |"
  echo "| Idle RSS 2 s after start | $(( $(get idle.rss_kb) / 1024 )) MiB |"
  echo "| Peak RSS (VmHWM) during 64-client wrk run | $(get zero-c64-wrk-router.hwm_kb) kB |"
  echo
  echo "## Throughput, 64 concurrent clients, non-streaming chat, zero-latency pods"
  echo
  echo "| Driver | Path | req/s | p50 | p99 | errors |"
  echo "|---|---|---|---|---|---|"
  echo "| wrk -t2 -c64 | router | $(get zero-c64-wrk-router.rps) | $(get zero-c64-wrk-router.p50_ms) | $(get zero-c64-wrk-router.p99_ms) | $(get zero-c64-wrk-router.errors) |"
  echo "| wrk -t2 -c64 | plain YARP, one hop to the decode pod (reference) | $(get zero-c64-wrk-yarp.rps) | $(get zero-c64-wrk-yarp.p50_ms) | $(get zero-c64-wrk-yarp.p99_ms) | $(get zero-c64-wrk-yarp.errors) |"
  echo "| load generator, 64 workers | router | $(int "$(get zero-c64-chat-router.rps)") | $(get zero-c64-chat-router.e2e.p50_ms) ms | $(get zero-c64-chat-router.e2e.p99_ms) ms | $(get zero-c64-chat-router.errors) |"
  echo "| load generator, 64 workers | direct | $(int "$(get zero-c64-chat-direct.rps)") | $(get zero-c64-chat-direct.e2e.p50_ms) ms | $(get zero-c64-chat-direct.e2e.p99_ms) ms | $(get zero-c64-chat-direct.errors) |"
  if [[ $GC_MATRIX == 1 ]]; then
    echo
    echo "## GC settings (wrk, 64 connections)"
    echo
    echo "| GC | req/s | CPU/req µs | idle RSS kB | peak RSS kB | threads | errors |"
    echo "|---|---|---|---|---|---|---|"
    for g in ws-nonconc ws-conc server-datas server-nodatas; do
      echo "| $g | $(get "gc-$g.rps") | $(get "gc-$g.cpu_us_per_request") | $(get "gc-$g.idle_rss_kb") | $(get "gc-$g.hwm_kb") | $(get "gc-$g.threads") | $(get "gc-$g.errors") |"
    done
  fi
  echo
  echo "## Realistic latencies, 16 concurrent streams (ms)"
  echo
  echo "| Path | TTFT p50 | TTFT p99 | ITL p50 | ITL p99 | req/s | errors |"
  echo "|---|---|---|---|---|---|---|"
  for side in router direct; do
    n="real-c16-stream-$side"
    echo "| $side | $(get "$n.ttft.p50_ms") | $(get "$n.ttft.p99_ms") | $(get "$n.itl.p50_ms") | $(get "$n.itl.p99_ms") | $(int "$(get "$n.rps")") | $(get "$n.errors") |"
  done
  echo
  echo "HTML report of the routed run: real-c16-stream-router/report.html"
  if [[ $RUN_STREAMS == 1 ]]; then
    echo
    echo "## Many slow streams"
    echo
    echo "$(get streams.n) concurrent streams (open-loop ramp, capped in flight), 20 tokens 1 s apart: $(get streams.succeeded) succeeded, $(get streams.errors) errors;"
    echo "router peak RSS (VmHWM) $(( $(get streams.hwm_kb) / 1024 )) MiB, peak open fds $(get streams.peak_fds), CPU $(get streams.cpu_ms) ms; TTFT p99 $(get streams.ttft_p99_ms) ms, ITL p99 $(get streams.itl_p99_ms) ms."
  fi
} >"$OUT/results.md"
jq -Rn '[inputs | capture("^(?<k>[^=]+)=(?<v>.*)$")] | map({(.k): .v}) | add' "$RESULTS" >"$OUT/results.json"
cat "$OUT/results.md"
say "results in $OUT"
}

# ---------------------------------------------------------------- run
if [[ -n $REPORT_ONLY ]]; then
  STAMP=$(basename "$REPORT_ONLY")
  GC_MATRIX=$(grep -q '^gc-' "$RESULTS" && echo 1 || echo 0)
  RUN_STREAMS=$(grep -q '^streams' "$RESULTS" && echo 1 || echo 0)
  write_report
  exit 0
fi
say "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -r), ulimit -n $NOFILE; load before: $(load_now)"
record machine.cores "$(nproc)"
record machine.load_before "$(load_now)"
record binary.bytes "$(stat -c %s "$BIN")"
# How many 4 KB pages the profiled hot methods span in this binary (loadtests/method-order.sh; about 100 when the
# layout was applied, about 350 without it).
HOT_PAGES=$("$ROOT/loadtests/method-order.sh" check "$(dirname "$BIN")" 2>/dev/null | sed -n 's/.*they span \([0-9]*\) pages.*/\1/p' || true)
record binary.hot_method_pages "${HOT_PAGES:--}"

say "simulator pods: zero (18100/18200), realistic (18300/18400)"
start_sim prefill 18100 --profile zero
start_sim decode 18200 --profile zero
start_sim prefill 18300 --profile realistic
start_sim decode 18400 --profile realistic

say "router A on :18001 (zero pods): start-up and idle RSS"
start_router 18001 http://127.0.0.1:18100 http://127.0.0.1:18200
record startup.ms "$STARTUP_MS"
sleep 2
record idle.rss_kb "$(status_kb "$ROUTER_PID" VmRSS)"
A=$ROUTER_PID

if [[ $ONLY_STREAMS == 0 ]]; then
say "phase 1: zero latency, concurrency 1 (router-added latency, CPU per request)"
routed zero-c1-chat-router 18001 --scenario chat --concurrency 1 --duration ${D_SHORT}s
direct zero-c1-chat-direct 18100 18200 --scenario chat --concurrency 1 --duration ${D_SHORT}s
routed zero-c1-stream-router 18001 --scenario chat-stream --concurrency 1 --duration ${D_SHORT}s
direct zero-c1-stream-direct 18100 18200 --scenario chat-stream --concurrency 1 --duration ${D_SHORT}s
say "phase 1b: CPU per relayed event (streams of 8 vs 264 tokens: 256 more events each)"
routed zero-c1-ev8 18001 --scenario chat-stream --concurrency 1 --duration ${D_SHORT}s --max-tokens 8
routed zero-c1-ev264 18001 --scenario chat-stream --concurrency 1 --duration ${D_SHORT}s --max-tokens 264

# wrk: POST the load generator's default chat body (128-token prompt, max_tokens 64, not streamed).
WRK_LUA="$OUT/chat.lua"
write_wrk_script chat "$WRK_LUA"
# What the router sends the prefill pod for that body (protocol.md §2), for the syscall floor's prefill leg.
PREFILL_BODY="$OUT/prefill-body.json"
printf '%s' '{"model":"llama31-8b","messages":[{"role":"user","content":"'"$WRK_PROMPT"'"}],"max_tokens":1,"ignore_eos":true,"kv_transfer_params":{"do_remote_decode":true,"do_remote_prefill":false,"remote_engine_id":null,"remote_block_ids":null,"remote_host":null,"remote_port":null}}' >"$PREFILL_BODY"

wrk_errors() { awk '/Non-2xx/ { s += $NF } /Socket errors/ { gsub(/[^0-9 ]/, " "); for (i = 1; i <= NF; i++) s += $i } END { print s + 0 }' "$1"; } # non-2xx answers and socket errors in wrk's output $1

# Measures the CPU of process $3 (default: the router) over a wrk run of $5 s (default D_WRK), after an unrecorded
# warm-up run of $4 s.
wrk_run() { # name port [pid [warm-up seconds [seconds]]] -> records rps, cpu per request, errors
  local name=$1 port=$2 pid=${3:-$ROUTER_PID} warm=${4:-3} secs=${5:-$D_WRK} c0 c1
  wrk -t2 -c64 -d${warm}s -s "$WRK_LUA" "http://127.0.0.1:$port/v1/chat/completions" >/dev/null 2>&1 || true
  reset_hwm "$pid"
  c0=$(cpu_ticks "$pid")
  wrk -t2 -c64 -d${secs}s --latency -s "$WRK_LUA" "http://127.0.0.1:$port/v1/chat/completions" >"$OUT/$name.txt" 2>&1 || true
  c1=$(cpu_ticks "$pid")
  local n rps bad
  n=$(awk '/requests in/ { print $1 }' "$OUT/$name.txt")
  rps=$(awk '/^Requests\/sec/ { print $2 }' "$OUT/$name.txt")
  bad=$(wrk_errors "$OUT/$name.txt")
  record "$name.requests" "$n"
  record "$name.rps" "$rps"
  record "$name.errors" "$bad"
  record "$name.cpu_us_per_request" "$(awk -v t=$((c1 - c0)) -v k="$TCK" -v n="$n" 'BEGIN { printf "%.1f", t * 1e6 / k / n }')"
  record "$name.hwm_kb" "$(status_kb "$pid" VmHWM)"
  record "$name.p50_ms" "$(awk '$1 == "50%" { print $2 }' "$OUT/$name.txt")"
  record "$name.p99_ms" "$(awk '$1 == "99%" { print $2 }' "$OUT/$name.txt")"
  record "$name.load" "$(load_now)"
}

# The router (pid $2, port $3) and the reference (pid $4, port $5) under one wrk -t1 -c32 each, at the same time, for
# $6 s; records each one's CPU per request as <name>-router and <name>-yarp.
paired_run() {
  local name=$1 rpid=$2 rport=$3 ypid=$4 yport=$5 secs=$6 r0 y0 r1 y1 w side ticks n
  r0=$(cpu_ticks "$rpid"); y0=$(cpu_ticks "$ypid")
  wrk -t1 -c32 -d${secs}s -s "$WRK_LUA" "http://127.0.0.1:$rport/v1/chat/completions" >"$OUT/$name-router.txt" 2>&1 &
  w=$!
  wrk -t1 -c32 -d${secs}s -s "$WRK_LUA" "http://127.0.0.1:$yport/v1/chat/completions" >"$OUT/$name-yarp.txt" 2>&1 || true
  wait "$w" || true
  r1=$(cpu_ticks "$rpid"); y1=$(cpu_ticks "$ypid")
  for side in router yarp; do
    if [[ $side == router ]]; then ticks=$((r1 - r0)); else ticks=$((y1 - y0)); fi
    n=$(awk '/requests in/ { print $1 }' "$OUT/$name-$side.txt")
    record "$name-$side.requests" "$n"
    record "$name-$side.errors" "$(wrk_errors "$OUT/$name-$side.txt")"
    record "$name-$side.cpu_us_per_request" "$(awk -v t="$ticks" -v k="$TCK" -v n="$n" 'BEGIN { if (n + 0 > 0) printf "%.1f", t * 1e6 / k / n; else print "-" }')"
  done
}

say "phase 2: 64 concurrent clients, non-streaming (throughput)"
if command -v wrk >/dev/null 2>&1; then
  wrk_run zero-c64-wrk-router 18001
  # Reference: a plain YARP forwarder (JIT, SDK defaults) making one hop to the zero-latency decode pod, under the
  # same wrk load right after the router's run; the router makes two hops (prefill, then decode) per request.
  say "phase 2 (reference): the same wrk load through a plain YARP forwarder on :18010 (one hop to the decode pod, reference)"
  dotnet "$YARP_DLL" --port 18010 --target http://127.0.0.1:18200 >>"$OUT/yarp-reference-18010.log" 2>&1 &
  YARP_PID=$!
  PIDS+=($YARP_PID)
  wait_http 18010 /health
  wrk_run zero-c64-wrk-yarp 18010 "$YARP_PID" 8 # a longer warm-up: JIT tiering settles before the measured run
  # The VM's speed drifts by tens of percent within minutes, so a router run and a YARP run one after the other can
  # be far apart. Short alternated rounds compare the two at the same speed; the hop figure is the median of the
  # rounds' ratios.
  # The syscall floor takes its turn in the same rounds: the least any proxy pays here for the two legs' socket
  # calls and wake-ups (floor2), and for YARP's one hop (floor1), so what each spends above it can be compared.
  FLOOR2_PID=""
  FLOOR1_PID=""
  if [[ -n $FLOOR_BIN ]]; then
    "$FLOOR_BIN" 18020 18200 18100 "$PREFILL_BODY" >>"$OUT/floor-18020.log" 2>&1 &
    FLOOR2_PID=$!
    "$FLOOR_BIN" 18021 18200 >>"$OUT/floor-18021.log" 2>&1 &
    FLOOR1_PID=$!
    PIDS+=($FLOOR2_PID $FLOOR1_PID)
    wait_http 18021 /health
  fi
  # The design floor: Kestrel and two SocketsHttpHandler legs on the router's runtime settings, nothing else.
  dotnet "$MINIMAL_DLL" --port 18022 --prefill http://127.0.0.1:18100 --decode http://127.0.0.1:18200 >>"$OUT/minimal-18022.log" 2>&1 &
  MINIMAL_PID=$!
  PIDS+=($MINIMAL_PID)
  wait_http 18022 /health
  wrk -t2 -c64 -d8s -s "$WRK_LUA" "http://127.0.0.1:18022/v1/chat/completions" >/dev/null 2>&1 || true # JIT tiering settles
  design=()
  ratios=()
  above=()
  yarp_above=()
  for r in $(seq 1 "$HOP_ROUNDS"); do
    wrk_run "hops-r$r-router" 18001 "$A" 1 "$D_ROUND"
    wrk_run "hops-r$r-yarp" 18010 "$YARP_PID" 1 "$D_ROUND"
    ratios+=("$(ratio "$(get "hops-r$r-router.cpu_us_per_request")" "$(get "hops-r$r-yarp.cpu_us_per_request")")")
    if [[ -n $FLOOR2_PID ]]; then
      wrk_run "hops-r$r-floor2" 18020 "$FLOOR2_PID" 1 "$D_ROUND"
      wrk_run "hops-r$r-floor1" 18021 "$FLOOR1_PID" 1 "$D_ROUND"
      above+=("$(minus "$(get "hops-r$r-router.cpu_us_per_request")" "$(get "hops-r$r-floor2.cpu_us_per_request")")")
      yarp_above+=("$(minus "$(get "hops-r$r-yarp.cpu_us_per_request")" "$(get "hops-r$r-floor1.cpu_us_per_request")")")
    fi
    wrk_run "hops-r$r-minimal" 18022 "$MINIMAL_PID" 1 "$D_ROUND"
    design+=("$(minus "$(get "hops-r$r-router.cpu_us_per_request")" "$(get "hops-r$r-minimal.cpu_us_per_request")")")
  done
  stop_pid "$MINIMAL_PID"
  record derived.router_above_design_floor_us "$(median "${design[@]}")"
  # Alternated rounds still differ by whatever the VM did between them (a round's ratio ranged 1.1-2.2). Loaded at
  # the same time, the router and YARP share each second's speed, so the drift cancels within a round.
  say "phase 2 (paired): router and YARP loaded at the same time, wrk -t1 -c32 each, $PAIR_ROUNDS rounds"
  paired=()
  for r in $(seq 1 "$PAIR_ROUNDS"); do
    paired_run "pair-r$r" "$A" 18001 "$YARP_PID" 18010 "$D_ROUND"
    paired+=("$(ratio "$(get "pair-r$r-router.cpu_us_per_request")" "$(get "pair-r$r-yarp.cpu_us_per_request")")")
  done
  record derived.router_per_yarp_hop_paired_rounds "${paired[*]}"
  record derived.router_per_yarp_hop_paired "$(median "${paired[@]}")"
  stop_pid "$YARP_PID"
  record derived.router_per_yarp_hop_rounds "${ratios[*]}"
  record derived.router_per_yarp_hop "$(median "${ratios[@]}")"
  if [[ -n $FLOOR2_PID ]]; then
    stop_pid "$FLOOR2_PID"
    stop_pid "$FLOOR1_PID"
    record derived.router_above_floor_us "$(median "${above[@]}")"
    record derived.yarp_above_floor_us "$(median "${yarp_above[@]}")"
  fi
fi
routed zero-c64-chat-router 18001 --scenario chat --concurrency 64 --duration ${D_LONG}s
direct zero-c64-chat-direct 18100 18200 --scenario chat --concurrency 64 --duration ${D_LONG}s
record zero-c64.load "$(load_now)"

if [[ $GC_MATRIX == 1 ]] && command -v wrk >/dev/null 2>&1; then
  say "phase 2b: GC matrix (wrk, 64 connections, one router per setting)"
  stop_pid "$A"
  # Server GC is a different runtime library linked into the native binary (the DOTNET_gcServer variable does
  # nothing to a workstation-linked binary), so it gets its own publish; concurrency and DATAS are runtime
  # knobs the GC reads from DOTNET_* variables.
  SVR="$ROOT/artifacts/aot-svr/fastrouter"
  # Its own obj/ and bin/: with the shared ones the link step is skipped and the workstation binary comes out again.
  [[ -x $SVR ]] || dotnet publish src/FastRouter.Aot -c Release -o artifacts/aot-svr -p:ServerGarbageCollection=true \
    -p:IntermediateOutputPath=obj/svr/ -p:OutputPath=bin/svr/ >>"$LOG" 2>&1
  BIN_WS=$BIN
  for gc in "ws-nonconc:$BIN_WS:DOTNET_gcConcurrent=0" "ws-conc:$BIN_WS:DOTNET_gcConcurrent=1" \
            "server-datas:$SVR:DOTNET_GCDynamicAdaptationMode=1" "server-nodatas:$SVR:DOTNET_GCDynamicAdaptationMode=0"; do
    IFS=: read -r label bin e1 <<<"$gc"
    BIN=$bin
    start_router 18009 http://127.0.0.1:18100 http://127.0.0.1:18200 "$e1"
    sleep 1
    record "gc-$label.idle_rss_kb" "$(status_kb "$ROUTER_PID" VmRSS)"
    record "gc-$label.threads" "$(status_kb "$ROUTER_PID" Threads)"
    wrk_run "gc-$label" 18009
    record "gc-$label.rss_after_kb" "$(status_kb "$ROUTER_PID" VmRSS)"
    stop_pid "$ROUTER_PID"
  done
  BIN=$BIN_WS
  start_router 18001 http://127.0.0.1:18100 http://127.0.0.1:18200
  A=$ROUTER_PID
fi

say "phase 3: realistic latencies (prefill 15 ms + prompt, 7 ms ITL), 16 concurrent streams"
stop_pid "$A"
start_router 18002 http://127.0.0.1:18300 http://127.0.0.1:18400
routed real-c16-stream-router 18002 --scenario chat-stream --concurrency 16 --duration ${D_LONG}s
direct real-c16-stream-direct 18300 18400 --scenario chat-stream --concurrency 16 --duration ${D_LONG}s
stop_pid "$ROUTER_PID"
else
  stop_pid "$A"
fi

if [[ $RUN_STREAMS == 1 ]]; then
  # Each held stream is two sockets in the router (client, decode pod). Streams start in an open-loop ramp
  # (Poisson arrivals at STREAM_RATE/s, capped at N in flight), so a few pooled prefill connections serve every
  # start instead of one per stream; N is capped so the router stays under ulimit -n.
  cap=$(( (NOFILE - 400) / 2 ))
  if (( STREAMS > cap )); then
    say "ulimit -n is $NOFILE (hard limit): capping the slow streams at $cap (2 sockets per stream in the router)"
    STREAMS=$cap
  fi
  STREAM_RATE=$(( STREAMS / 16 + 1 ))
  say "phase 4: $STREAMS concurrent slow streams (decode ITL 1 s, 20 tokens; arrivals $STREAM_RATE/s up to $STREAMS in flight)"
  start_sim decode 18500 --itl-ms 1000
  start_router 18003 http://127.0.0.1:18100 http://127.0.0.1:18500
  reset_hwm "$ROUTER_PID"
  record streams.n "$STREAMS"
  c0=$(cpu_ticks "$ROUTER_PID")
  (
    for _ in $(seq 1 70); do
      sleep 1
      heap=$(curl -s --max-time 1 "http://127.0.0.1:18003/metrics" | awk '/^dotnet_gc_last_collection_heap_size_bytes/ { s += $2 } END { printf "%.0f", s / 1024 }')
      echo "$(date -u +%H:%M:%S) rss_kb=$(status_kb "$ROUTER_PID" VmRSS) gc_heap_kb=$heap fds=$(ls "/proc/$ROUTER_PID/fd" | wc -l)" >>"$OUT/streams-rss.log"
    done
  ) &
  sampler=$!
  loadgen many-streams --target http://127.0.0.1:18003 --scenario chat-stream --rate "$STREAM_RATE" --concurrency "$STREAMS" \
    --max-tokens 20 --prompt-tokens 16 --duration 45s --warmup 0 --timeout 120s --drain-timeout 60s
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  c1=$(cpu_ticks "$ROUTER_PID")
  record streams.requests "$(sent many-streams)"
  record streams.succeeded "$(jqs many-streams '.requests.succeeded')"
  record streams.errors "$(jqs many-streams '.requests.failed')"
  record streams.hwm_kb "$(status_kb "$ROUTER_PID" VmHWM)"
  record streams.peak_fds "$(awk -F'fds=' '{ print $2 }' "$OUT/streams-rss.log" | sort -n | tail -1)"
  record streams.peak_gc_heap_kb "$(grep -o 'gc_heap_kb=[0-9]*' "$OUT/streams-rss.log" | cut -d= -f2 | sort -n | tail -1)"
  record streams.cpu_ms "$(( (c1 - c0) * 1000 / TCK ))"
  record streams.ttft_p99_ms "$(metric many-streams ttft p99_ms)"
  record streams.itl_p99_ms "$(metric many-streams itl p99_ms)"
  stop_pid "$ROUTER_PID"
fi
record machine.load_after "$(load_now)"
write_report
