#!/usr/bin/env bash
# FastRouter routing benchmark (issue 19): 4 prefill + 4 decode simulated pods with the engine model, the
# conversations scenario of the load generator, one run per configuration, side by side:
#   round-robin, least-in-flight, affinity (the default), affinity + --decode-only-below-tokens, each behind
#   1 router and behind 3 routers (the load generator spreads turns over them at random);
#   plus affinity with one dominant system prompt (the load bound at work) and affinity with one prefill pod's
#   /metrics hanging (stale engine stats must change nothing but that pod's freshness).
# Every configuration starts fresh pods (cold caches) and replays the same seed, so the same conversations arrive
# at the same offsets. Writes loadtests/results/routing-<timestamp>/{results.md,<config>/summary.json,*.log}.
# See docs/loadtests.md ("Routing benchmark"). Usage:
#
#   loadtests/routing-bench.sh [--quick] [--duration SECONDS] [--rate CONVERSATIONS_PER_SECOND] [--only NAMES]
#                              [--router-flags "FLAGS"] [--out DIR]
#
#   --quick      20 s of arrivals per configuration instead of 60 (about 5 minutes instead of about 14)
#   --duration   seconds of arrivals per configuration
#   --rate       conversations per second (default: 70 % of the fleet's prefill capacity under round-robin, below)
#   --only NAMES run only these configurations, comma-separated as the table names them with their router count
#                (round-robin-1,affinity-3,affinity-dominant-1,...): for trying a change; ratios need round-robin
#   --router-flags "FLAGS"  appended to every router's command line (e.g. "--load-bound 0.5" or "--log-level debug")
#   --out DIR    output folder
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$ROOT/loadtests/results/routing-$STAMP"
DURATION=60
RATE=""
ONLY=""
EXTRA_FLAGS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) DURATION=20 ;;
    --duration) DURATION=$2; shift ;;
    --rate) RATE=$2; shift ;;
    --only) ONLY=",$2,"; shift ;;
    --router-flags) read -r -a EXTRA_FLAGS <<<"$2"; shift ;;
    --out) OUT=$2; shift ;;
    -h|--help) sed -n '2,/^set /{/^#/p}' "$0"; exit 0 ;;
    *) echo "routing-bench.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$OUT"
# The routers log warnings only, unless --router-flags names a level (the router refuses a flag given twice).
LOG_FLAGS=(--log-level warning)
[[ " ${EXTRA_FLAGS[*]} " == *" --log-level "* ]] && LOG_FLAGS=()
LOG="$OUT/routing-bench.log"
say() { echo "[routing $(date -u +%H:%M:%S)] $*" | tee -a "$LOG"; }

# ---------------------------------------------------------------- workload and fleet sizes
# 8 system prompts of 6 KiB (1,536 tokens each), 4 turns of 256-byte user messages and 32-token answers.
SYSTEM_PROMPTS=8; SYSTEM_BYTES=6144; TURNS=4; USER_BYTES=256; MAX_TOKENS=32; THINK=1s; SEED=19
# TTFT and ITL over the conversations that start after the first 10 s: the steady state. Every pod starts cold, so
# the first request of each system prompt computes it whatever the policy; with 8 prompts and a few hundred
# requests those 8 alone would be the p99. Work, hit rate and errors count every conversation.
WARMUP=10s
# Prefill rate per pod, in tokens/s: low enough that the sims' own CPU stays small at 70 % of capacity.
PREFILL_TPS=4000
# The working set is the system prompts (8 x 1,536 = 12,288 tokens = 768 blocks of 16) plus the live
# conversations' tails (a few hundred blocks): about 1,000 blocks. Each pod holds 384, about a third of it, so it
# fits only when partitioned among the four pods of a role.
CACHE_BLOCKS=384
# Decode pods hold what they received and generated for every conversation they serve (the system prompts
# included), and an accelerator's decode KV cache is large: 4,096 blocks (65,536 tokens) hold their live
# conversations, which is what decode-only needs (the suffix a decode pod prefills itself is then the new turn only).
DECODE_CACHE_BLOCKS=4096
SIM_COMMON=(--block-tokens 16 --prefill-tokens-per-second "$PREFILL_TPS"
  --max-batch-tokens 8192 --itl-ms 20 --itl-per-stream-ms 0.5 --kv-pull-tokens-per-second 200000)
SIM_PREFILL=(--cache-blocks "$CACHE_BLOCKS" "${SIM_COMMON[@]}")
SIM_DECODE=(--cache-blocks "$DECODE_CACHE_BLOCKS" "${SIM_COMMON[@]}")
if [[ -z $RATE ]]; then
  # Computed from the flags, not calibrated: a request's prompt averages 1,536 + 64 + (mean turn - 1) x 96 tokens
  # (each earlier turn adds a 64-token user message and a 32-token answer); under round-robin a pod holds about a
  # third of the working set, so about two thirds of that is computed. Capacity = 4 x PREFILL_TPS / uncached
  # tokens per request; 70 % of it, divided by the turns per conversation, is the conversations' rate.
  RATE=$(awk -v s="$SYSTEM_BYTES" -v u="$USER_BYTES" -v m="$MAX_TOKENS" -v t="$TURNS" -v r="$PREFILL_TPS" 'BEGIN {
    mean = s / 4 + u / 4 + ((t + 1) / 2 - 1) * (u / 4 + m); uncached = mean * 2 / 3;
    printf "%.2f", 0.7 * 4 * r / uncached / t }')
fi

# ---------------------------------------------------------------- prerequisites
# The binary of this tree, published now, unless FASTROUTER_BIN names one (a leftover artifacts/aot may be stale).
BIN=${FASTROUTER_BIN:-}
if [[ -z $BIN ]]; then
  say "publishing the AOT binary"
  dotnet publish src/FastRouter.Aot -c Release -o artifacts/aot >>"$LOG" 2>&1
  BIN="$ROOT/artifacts/aot/fastrouter"
fi
say "building the load generator"
dotnet build loadtests/FastRouter.LoadTests -c Release -o "$ROOT/artifacts/loadtests" >>"$LOG" 2>&1
LG_DLL="$ROOT/artifacts/loadtests/FastRouter.LoadTests.dll"
# shellcheck source=processes.sh
source "$ROOT/loadtests/processes.sh"

PREFILL_PORTS=(19100 19110 19120 19130)
DECODE_PORTS=(19200 19210 19220 19230)
ROUTER_PORTS=(19001 19002 19003)
POD_PIDS=()
ROUTER_PIDS=()

stop_all() { # the pods and routers of one configuration (PIDS keeps them for the exit trap too)
  local pid
  for pid in "${ROUTER_PIDS[@]}" "${POD_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${ROUTER_PIDS[@]}" "${POD_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  ROUTER_PIDS=(); POD_PIDS=()
}

start_pods() { # [stale]: the first prefill pod's /metrics never answers (--metrics-fault hang)
  local port fault=()
  for port in "${PREFILL_PORTS[@]}"; do
    fault=(); [[ ${1:-} == stale && $port == "${PREFILL_PORTS[0]}" ]] && fault=(--metrics-fault hang)
    start_sim prefill "$port" "${SIM_PREFILL[@]}" "${fault[@]}"; POD_PIDS+=("${PIDS[-1]}")
  done
  for port in "${DECODE_PORTS[@]}"; do start_sim decode "$port" "${SIM_DECODE[@]}"; POD_PIDS+=("${PIDS[-1]}"); done
}

start_routers() { # count router-flags...
  local count=$1; shift
  local backends="" labels="" models="" port i
  for port in "${PREFILL_PORTS[@]}"; do backends+="http://127.0.0.1:$port,"; labels+="prefill,"; models+="llama31-8b,"; done
  for port in "${DECODE_PORTS[@]}"; do backends+="http://127.0.0.1:$port,"; labels+="decode,"; models+="llama31-8b,"; done
  for ((i = 0; i < count; i++)); do
    port=${ROUTER_PORTS[$i]}
    "$BIN" --host 127.0.0.1 --port "$port" --service-discovery static \
      --static-backends "${backends%,}" --static-model-labels "${labels%,}" --static-models "${models%,}" \
      --routing-logic disaggregated_prefill_orchestrated --prefill-model-labels prefill --decode-model-labels decode \
      "${LOG_FLAGS[@]}" "$@" "${EXTRA_FLAGS[@]}" >>"$OUT/router-$port.log" 2>&1 &
    PIDS+=($!); ROUTER_PIDS+=($!)
    wait_http "$port" /livez || return 1 # inside "if !", set -e does not stop the loop
  done
}

ROWS=()
run_config() { # name replicas dominant-share fault router-flags...
  local name=$1 replicas=$2 dominant=$3 fault=$4; shift 4
  local targets="" pods="" port i
  [[ -z $ONLY || $ONLY == *",$name-$replicas,"* ]] || return 0
  say "configuration $name, $replicas router(s)"
  start_pods "$fault"
  if ! start_routers "$replicas" --engine-stats-interval 1 "$@"; then
    say "  the router refused its flags ($*): see $OUT/router-*.log"
    stop_all
    ROWS+=("$name|$replicas|not run: the router did not start with $*")
    return
  fi
  for ((i = 0; i < replicas; i++)); do targets+="http://127.0.0.1:${ROUTER_PORTS[$i]},"; done
  for port in "${PREFILL_PORTS[@]}" "${DECODE_PORTS[@]}"; do pods+="http://127.0.0.1:$port,"; done
  dotnet "$LG_DLL" --scenario conversations --target "${targets%,}" --pods "${pods%,}" --no-progress \
    --system-prompts "$SYSTEM_PROMPTS" --system-prompt-bytes "$SYSTEM_BYTES" --turns "$TURNS" --user-bytes "$USER_BYTES" \
    --max-tokens "$MAX_TOKENS" --think-time "$THINK" --rate "$RATE" --duration "${DURATION}s" --warmup "$WARMUP" --drain-timeout 60s \
    --dominant-system-prompt "$dominant" --seed "$SEED" --name "$name-$replicas" --out "$OUT/$name-$replicas" \
    >"$OUT/$name-$replicas.log" 2>&1 || true
  stop_all
  ROWS+=("$name|$replicas|$OUT/$name-$replicas/summary.json")
}

say "rate $RATE conversations/s x $TURNS turns, $DURATION s of arrivals per configuration, seed $SEED"
for replicas in 1 3; do
  run_config round-robin "$replicas" 0 none --pod-selection round-robin
  run_config least-in-flight "$replicas" 0 none --pod-selection least-in-flight
  run_config affinity "$replicas" 0 none --pod-selection affinity
  run_config affinity+decode-only "$replicas" 0 none --pod-selection affinity --decode-only-below-tokens 128
done
run_config affinity-dominant 1 0.9 none --pod-selection affinity
run_config affinity-stale-metrics 1 0 stale --pod-selection affinity

# ---------------------------------------------------------------- the table
python3 - "$OUT/results.md" "${ROWS[@]}" <<'PY'
import json, sys
out, rows = sys.argv[1], sys.argv[2:]
data = []
for row in rows:
    name, replicas, path = row.split('|', 2)
    if path.startswith('not run'):
        data.append((name, replicas, None, path)); continue
    try:
        with open(path) as f: data.append((name, replicas, json.load(f), None))
    except OSError as e:
        data.append((name, replicas, None, f'no summary ({e.strerror})'))
base = {r: d for n, r, d, _ in data if n == 'round-robin' and d}
def ratio(value, reference):
    return f' ({value / reference:.2f}x)' if reference else ''
lines = ['| config | routers | TTFT p50 ms | TTFT p99 ms | ITL p50 ms | ITL p99 ms | prefill tokens computed | prefill hit rate | max/mean prefill share | disaggregated | errors |',
         '|---|---|---|---|---|---|---|---|---|---|---|']
for name, replicas, d, note in data:
    if d is None:
        lines.append(f'| {name} | {replicas} | {note} |||||||||'); continue
    t, fl, rr = d['turns'][0], d['fleet'], base.get(replicas)
    rt = rr['turns'][0] if rr else None
    lines.append(f"| {name} | {replicas} | {t['ttft_p50_ms']:.0f}{ratio(t['ttft_p50_ms'], rt and rt['ttft_p50_ms'])} "
                 f"| {t['ttft_p99_ms']:.0f}{ratio(t['ttft_p99_ms'], rt and rt['ttft_p99_ms'])} "
                 f"| {t['itl_p50_ms']:.1f} | {t['itl_p99_ms']:.1f} "
                 f"| {fl['prefill_tokens_computed']}{ratio(fl['prefill_tokens_computed'], rr and rr['fleet']['prefill_tokens_computed'])} "
                 f"| {fl['prefill_hit_rate'] * 100:.1f} % | {fl['max_prefill_share']:.2f} | {fl['disaggregated_share'] * 100:.0f} % | {t['failed']} |")
text = '\n'.join(lines) + '\n\nRatios in parentheses: against round-robin with the same number of routers. TTFT and ITL: conversations starting after the warm-up; the rest: every conversation.\n'
open(out, 'w').write(text)
print(text)
PY
say "wrote $OUT/results.md"
