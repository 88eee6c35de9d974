#!/usr/bin/env bash
# The AOT binary's hot-method order: which compiled methods the native compiler places together at the start of the
# managed code, so that a request's path through Kestrel, HttpClient, sockets and the router touches as few code pages
# as it can (docs/benchmarks.md, "Runtime settings"). Usage:
#
#   loadtests/method-order.sh generate [--seconds N]   profile the AOT router under load, rewrite the order file
#   loadtests/method-order.sh check [DIR]              say how well the binary in DIR (default artifacts/aot) follows it
#
# generate: starts zero-latency simulator pods and the router from artifacts/aot/fastrouter (publishing it first if
# missing), loads it with wrk (chat, chat streamed, completions), samples it with `perf record -g` for N seconds
# (default 20), and writes src/FastRouter.Aot/method-order.txt: every managed method seen on a sampled stack, the
# ones most often running first. Needs perf and wrk (installed from Debian when missing and run as root). Rerun it
# after changes to the request path or a .NET update, then publish again: names the compiler no longer produces are
# skipped, so a stale list costs speed, never correctness.
#
# check: reads the symbols of DIR/fastrouter.dbg (or DIR/fastrouter when not stripped) with nm, prints how many listed
# methods the binary has and how many 4 KB pages they span, and exits 1 when fewer than 80 % are found (the list is
# stale: regenerate it) or they span more than twice the pages their size needs (the order was not applied).
set -euo pipefail
export LC_ALL=C # sort and join must collate the same way

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ORDER_FILE="$ROOT/src/FastRouter.Aot/method-order.txt"
# shellcheck source=wrk-bodies.sh
source "$ROOT/loadtests/wrk-bodies.sh"
MIN_FOUND_PERCENT=80

managed_code_range() { # binary -> "start end" of the __managedcode section, in decimal
  local address size
  read -r address size < <(readelf -S --wide "$1" 2>/dev/null | awk '$2 == "__managedcode" { print $4, $6 }')
  [[ -n ${address:-} ]] && echo "$((16#$address)) $((16#$address + 16#$size))"
}

symbols_of() { # binary -> "address size name" of every sized symbol, addresses and sizes in decimal
  nm -S -t d "$1" | awk 'NF == 4 { print $1 + 0, $2 + 0, $4 }'
}

check() {
  local dir=${1:-$ROOT/artifacts/aot} bin range
  bin="$dir/fastrouter.dbg"
  [[ -f $bin ]] || bin="$dir/fastrouter"
  [[ -f $bin ]] || { echo "method order: no fastrouter binary in $dir" >&2; return 2; }
  range=$(managed_code_range "$bin")
  [[ -n $range ]] || { echo "method order: $bin has no __managedcode section" >&2; return 2; }
  symbols_of "$bin" | awk -v range="$range" -v min_found="$MIN_FOUND_PERCENT" '
    BEGIN { split(range, r, " ") }
    FNR == NR { if ($1 >= r[1] && $1 < r[2]) { addr[$3] = $1; size[$3] = $2 } ; next }
    /^#/ || NF == 0 { next }
    {
      listed++
      if (!($1 in addr)) next
      found++; bytes += size[$1]
      first = int(addr[$1] / 4096); last = int((addr[$1] + (size[$1] > 0 ? size[$1] : 1) - 1) / 4096)
      for (p = first; p <= last; p++) pages[p] = 1
    }
    END {
      for (p in pages) spanned++
      least = int((bytes + 4095) / 4096)
      printf "method order: %d of %d listed methods are in the binary (%d KB of code); they span %d pages of 4 KB, %d at least\n", found, listed, bytes / 1024, spanned, least
      if (listed == 0 || found * 100 < listed * min_found) { print "method order: the list is stale; run loadtests/method-order.sh generate and publish again"; exit 1 }
      if (spanned > 2 * least + 2) { print "method order: the listed methods are scattered; the compiler did not apply the order (FastRouter.Aot.csproj)"; exit 1 }
    }' /dev/stdin "$ORDER_FILE"
}

generate() {
  local seconds=20
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --seconds) seconds=$2; shift ;;
      *) echo "method-order.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
  done
  cd "$ROOT"
  local bin=artifacts/aot/fastrouter
  work=$(mktemp -d) # global, as pids: the EXIT trap reads them
  if [[ ! -x $bin ]]; then
    echo "publishing the AOT binary"
    dotnet publish src/FastRouter.Aot -c Release -o artifacts/aot >"$work/publish.log" 2>&1
  fi
  for tool in perf wrk; do
    if ! command -v $tool >/dev/null 2>&1 && [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
      local package=$tool
      [[ $tool == perf ]] && package=linux-perf
      echo "installing $package from Debian"
      (apt-get install -y $package || (apt-get update && apt-get install -y $package)) >>"$work/apt.log" 2>&1 || true
    fi
    command -v $tool >/dev/null 2>&1 || { echo "method-order.sh generate needs $tool" >&2; exit 1; }
  done
  # perf finds the stripped binary's symbols by its build id.
  perf buildid-cache --add artifacts/aot/fastrouter.dbg 2>/dev/null || true

  pids=()
  trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"' EXIT
  "$bin" sim --role prefill --port 18710 --side-channel-port 18711 --profile zero >"$work/prefill.log" 2>&1 & pids+=($!)
  "$bin" sim --role decode --port 18720 --side-channel-port 18721 --profile zero >"$work/decode.log" 2>&1 & pids+=($!)
  sleep 0.5
  "$bin" --host 127.0.0.1 --port 18700 --service-discovery static \
    --static-backends http://127.0.0.1:18710,http://127.0.0.1:18720 --static-model-labels prefill,decode \
    --static-models llama31-8b,llama31-8b --routing-logic disaggregated_prefill_orchestrated \
    --prefill-model-labels prefill --decode-model-labels decode --log-level warning >"$work/router.log" 2>&1 &
  local router=$!
  pids+=($router)
  sleep 1

  # The load bench.sh puts on the router (its wrk body), streamed and not, and the completions route.
  for kind in chat stream completions; do
    write_wrk_script "$kind" "$work/$kind.lua"
  done
  load() { # kind seconds
    local path=/v1/chat/completions
    [[ $1 == completions ]] && path=/v1/completions
    wrk -t2 -c64 -d"$2"s -s "$work/$1.lua" "http://127.0.0.1:18700$path" >>"$work/wrk.log" 2>&1 || true
  }
  echo "warming up"
  load chat 3
  load stream 2
  echo "sampling the router for ${seconds} s"
  perf record -F 4999 -g -p "$router" -o "$work/perf.data" -- sleep "$seconds" >"$work/perf.log" 2>&1 &
  local recorder=$!
  load chat $((seconds * 5 / 10))
  load stream $((seconds * 3 / 10))
  load completions $((seconds * 2 / 10))
  wait "$recorder" || true

  # One sample is a blank-line-separated stack, innermost frame first: "ip symbol (dso)". A method's rank is how
  # often it was the innermost frame, then how many samples had it anywhere on the stack.
  local range samples
  range=$(managed_code_range artifacts/aot/fastrouter.dbg)
  perf script -i "$work/perf.data" -F ip,sym,dso --no-demangle 2>/dev/null | awk -v out="$work/ranked" '
    function flush(   s) {
      if (depth == 0) return
      samples++
      if (frame[1] != "") innermost[frame[1]]++
      for (s in seen) anywhere[s]++
      delete seen; delete frame; depth = 0
    }
    NF == 0 { flush(); next }
    {
      depth++
      frame[depth] = ""
      if ($NF ~ /\/fastrouter\)$/ && NF == 3 && $2 != "[unknown]") { frame[depth] = $2; seen[$2] = 1 }
    }
    END {
      flush()
      for (s in anywhere) printf "%d %d %s\n", innermost[s] + 0, anywhere[s], s > out
      print samples
    }' >"$work/samples"
  samples=$(cat "$work/samples")
  # Only methods in the managed code section: the runtime native code and its assembly stubs are linked as they are.
  symbols_of artifacts/aot/fastrouter.dbg | awk -v range="$range" 'BEGIN { split(range, r, " ") } $1 >= r[1] && $1 < r[2] { print $3 }' \
    | sort -u >"$work/managed"
  sort -k3,3 "$work/ranked" | join -1 3 -2 1 -o 1.1,1.2,1.3 - "$work/managed" | sort -k1,1nr -k2,2nr -k3,3 >"$work/kept"
  {
    echo "# Hot managed methods of the AOT router, hottest first: the native compiler lays them out in this order"
    echo "# (FastRouter.Aot.csproj, --method-layout:explicit). Generated by loadtests/method-order.sh generate"
    echo "# from $samples perf samples of $(git rev-parse --short HEAD 2>/dev/null || echo 'this tree') under wrk load; regenerate, don't edit."
    awk '{ print $3 }' "$work/kept"
  } >"$ORDER_FILE"
  echo "wrote $(wc -l <"$work/kept") methods from $samples samples to ${ORDER_FILE#"$ROOT"/}"
  grep -E "Requests/sec|Non-2xx|Socket errors" "$work/wrk.log" || true
}

case "${1:-}" in
  generate) shift; generate "$@" ;;
  check) shift; check "$@" ;;
  *) sed -n '2,/^set /{/^#/p}' "$0"; exit 2 ;;
esac
