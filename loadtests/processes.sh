# shellcheck shell=bash
# Process handling shared by bench.sh, health-probe.sh and log-cost.sh: every process a script starts goes into PIDS
# and is stopped on exit; readiness is polled over bash /dev/tcp (no fork of curl per poll). start_sim needs $BIN
# (the fastrouter binary) and $OUT (the run's directory) set by the sourcing script; cpu_ticks and median read figures.

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Answers 0 once GET $2 on port $1 returns 200.
http_ok() {
  local line
  exec 9<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$2" >&9
  IFS= read -r -t 2 line <&9 || { exec 9>&-; return 1; }
  exec 9>&-
  [[ $line == *" 200"* ]]
}
wait_http() { local i; for ((i = 0; i < 5000; i++)); do http_ok "$1" "$2" 2>/dev/null && return 0; sleep 0.002; done; echo "timeout waiting for :$1$2" >&2; return 1; }

start_sim() { # role port extra...
  local role=$1 port=$2; shift 2
  "$BIN" sim --role "$role" --port "$port" --side-channel-port $((port + 1)) "$@" >>"$OUT/sim-$port.log" 2>&1 &
  PIDS+=($!)
  wait_http "$port" /health
}

# utime + stime of process $1, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# The median of the arguments, '-' (no figure) left out.
median() { printf '%s\n' "$@" | grep -v '^-$' | sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
