#!/usr/bin/env bash
# /health latency as kubelet sees it, with the router idle, saturated by non-streaming requests (CPU-bound), and
# holding thousands of slow streams: the load generator's probe mode (a new connection per GET, one every 100 ms,
# 1 s timeout) runs beside the load against the AOT router in front of simulator pods on loopback.
# Writes loadtests/results/health-probe-<timestamp>/{results.md,<phase>/probe.json}. Usage:
#
#   loadtests/health-probe.sh [--streams N] [--seconds S] [--path PATH] [--out DIR]
#
#   --streams N   slow streams held open in the streams phase (default 3000, capped by ulimit -n: 2 fds each)
#   --seconds S   probing time per phase (default 20)
#   --path PATH   the path probed (default /health; /readyz and /livez answer from the same code path)
#   --out DIR     output folder (default loadtests/results/health-probe-<timestamp>)
#
# Environment: FASTROUTER_BIN (default artifacts/aot/fastrouter, published when missing), PORT_BASE (default 28000).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=wrk-bodies.sh
source "$ROOT/loadtests/wrk-bodies.sh"
OUT="$ROOT/loadtests/results/health-probe-$(date -u +%Y%m%dT%H%M%SZ)"
STREAMS=3000
SECONDS_PER_PHASE=20
PROBE_PATH=/health
while [[ $# -gt 0 ]]; do
  case "$1" in
    --streams) STREAMS=$2; shift ;;
    --seconds) SECONDS_PER_PHASE=$2; shift ;;
    --path) PROBE_PATH=$2; shift ;;
    --out) OUT=$2; shift ;;
    -h|--help) sed -n '2,/^set /{/^#/p}' "$0"; exit 0 ;;
    *) echo "health-probe.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$OUT"
LOG="$OUT/health-probe.log"
say() { echo "[health-probe $(date -u +%H:%M:%S)] $*" | tee -a "$LOG"; }
B=${PORT_BASE:-28000}

BIN=${FASTROUTER_BIN:-$ROOT/artifacts/aot/fastrouter}
if [[ ! -x $BIN ]]; then
  say "publishing the AOT binary"
  dotnet publish src/FastRouter.Aot -c Release -o "$(dirname "$BIN")" >>"$LOG" 2>&1
fi
say "building the load generator"
dotnet build loadtests/FastRouter.LoadTests -c Release -o "$ROOT/artifacts/loadtests" >>"$LOG" 2>&1
LG_DLL="$ROOT/artifacts/loadtests/FastRouter.LoadTests.dll"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
TCK=$(getconf CLK_TCK)

# shellcheck source=processes.sh
source "$ROOT/loadtests/processes.sh"
start_router() { # port prefill-url decode-url
  "$BIN" --host 127.0.0.1 --port "$1" --service-discovery static --static-backends "$2,$3" \
    --static-model-labels prefill,decode --static-models llama31-8b,llama31-8b \
    --routing-logic disaggregated_prefill_orchestrated --prefill-model-labels prefill --decode-model-labels decode \
    --log-level warning >>"$OUT/router-$1.log" 2>&1 &
  ROUTER_PID=$!
  PIDS+=("$ROUTER_PID")
  wait_http "$1" /health
}

probe() { # name port warm-up-seconds
  dotnet "$LG_DLL" --target "http://127.0.0.1:$2" --probe "$PROBE_PATH" --probe-interval 100ms --probe-timeout 1s \
    --warmup "${3}s" --duration "${SECONDS_PER_PHASE}s" --name "$1" --out "$OUT/$1" >"$OUT/$1.txt" 2>&1 || true
}
ROWS=()
row() { # name description router-pid cpu-ticks-before cpu-ticks-after seconds
  local j="$OUT/$1/probe.json" cpu
  cpu=$(awk -v t=$(( $5 - $4 )) -v k="$TCK" -v s="$6" 'BEGIN { printf "%.0f", t * 100 / k / s }')
  ROWS+=("| $2 | $(jq -r '.probes' "$j") | $(jq -r '.failed' "$j") | $(jq -r '.latency.p50_ms | . * 100 | round / 100' "$j") | $(jq -r '.latency.p99_ms | . * 100 | round / 100' "$j") | $(jq -r '.latency.max_ms | . * 100 | round / 100' "$j") | $cpu % |")
  say "$2: $(tail -2 "$OUT/$1.txt" | head -1)"
}

say "simulator pods: zero latency (:$((B + 100)), :$((B + 200))), slow decode 1 token/s (:$((B + 500)))"
start_sim prefill $((B + 100)) --profile zero
start_sim decode $((B + 200)) --profile zero
start_sim decode $((B + 500)) --itl-ms 1000
start_router $((B + 1)) "http://127.0.0.1:$((B + 100))" "http://127.0.0.1:$((B + 200))"
FAST=$ROUTER_PID
start_router $((B + 3)) "http://127.0.0.1:$((B + 100))" "http://127.0.0.1:$((B + 500))"
SLOW=$ROUTER_PID

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
say "phase 1: idle router"
c0=$(cpu_ticks "$FAST")
probe idle $((B + 1)) 0
row idle "idle" "$FAST" "$c0" "$(cpu_ticks "$FAST")" "$SECONDS_PER_PHASE"

say "phase 2: saturated with non-streaming chat (64 connections, no pause)"
WRK_LUA="$OUT/chat.lua"
write_wrk_script chat "$WRK_LUA"
LOAD_SECONDS=$((SECONDS_PER_PHASE + 5))
if command -v wrk >/dev/null 2>&1; then
  wrk -t2 -c64 -d${LOAD_SECONDS}s -s "$WRK_LUA" "http://127.0.0.1:$((B + 1))/v1/chat/completions" >"$OUT/saturated-load.txt" 2>&1 &
  LOAD="wrk -t2 -c64"
else
  dotnet "$LG_DLL" --no-progress --target "http://127.0.0.1:$((B + 1))" --scenario chat --concurrency 64 --warmup 0 \
    --duration ${LOAD_SECONDS}s --name saturated-load --out "$OUT/saturated-load" >"$OUT/saturated-load.txt" 2>&1 &
  LOAD="load generator, 64 workers"
fi
load=$!
sleep 2
c0=$(cpu_ticks "$FAST")
probe saturated $((B + 1)) 1
c1=$(cpu_ticks "$FAST")
wait "$load" || true
rps=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$OUT/saturated-load.txt")
[[ -n $rps ]] || rps=$(jq -r '.rates.requests_per_second | round' "$OUT/saturated-load/summary.json" 2>/dev/null || echo '?')
row saturated "non-streaming chat, $LOAD, $rps req/s, zero-latency pods" "$FAST" "$c0" "$c1" "$((SECONDS_PER_PHASE + 1))"

cap=$(( ($(ulimit -n) - 400) / 2 ))
(( STREAMS > cap )) && { say "ulimit -n allows $cap streams, not $STREAMS"; STREAMS=$cap; }
RAMP=$(( STREAMS / 500 + 2 ))
TOKENS=$(( RAMP + SECONDS_PER_PHASE + 10 ))
say "phase 3: $STREAMS slow streams held open ($TOKENS tokens 1 s apart; ramp of ${RAMP}s)"
dotnet "$LG_DLL" --no-progress --target "http://127.0.0.1:$((B + 3))" --scenario chat-stream --rate $(( STREAMS / RAMP + 1 )) \
  --concurrency "$STREAMS" --max-tokens "$TOKENS" --prompt-tokens 16 --warmup 0 --duration "${RAMP}s" --timeout 300s \
  --drain-timeout 120s --name streams-load --out "$OUT/streams-load" >"$OUT/streams-load.txt" 2>&1 &
load=$!
sleep $((RAMP + 2))
c0=$(cpu_ticks "$SLOW")
probe streams $((B + 3)) 0
c1=$(cpu_ticks "$SLOW")
held=$(( $(ls "/proc/$SLOW/fd" | wc -l) / 2 ))
wait "$load" || true
row streams "$STREAMS slow streams open (about $held held at the end of probing)" "$SLOW" "$c0" "$c1" "$SECONDS_PER_PHASE"

{
  echo "# $PROBE_PATH latency under load ($(date -u +%Y-%m-%dT%H:%MZ))"
  echo
  echo "Machine: $(nproc) cores, $(uname -sr); router $(basename "$BIN"); probes: a new connection each, every 100 ms, 1 s timeout, ${SECONDS_PER_PHASE} s per phase."
  echo "Load average before and after: $LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg) (the probes share the cores with everything else running)."
  echo "Streams phase: $(jq -r '.requests.succeeded' "$OUT/streams-load/summary.json" 2>/dev/null || echo '?') streams succeeded, $(jq -r '.requests.failed' "$OUT/streams-load/summary.json" 2>/dev/null || echo '?') failed."
  echo
  echo "| Router state | Probes | Failed | p50 ms | p99 ms | max ms | Router CPU |"
  echo "|---|---|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
} >"$OUT/results.md"
cat "$OUT/results.md"
