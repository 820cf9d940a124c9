#!/usr/bin/env bash
# Replication cost on loopback: the same simulated predictive campaign run
# durably without replication, then replicated in sync and async mode, to
# one JetStream server (R1) and to a 3-node cluster on this machine (R3).
# Writes the table between the `replica-cost` markers of docs/REPLICA.md.
#
#   cost per poll = (wall time replicated - wall time unreplicated) / polls
#   events/s      = events fed to the engine / wall time
#
# The simulation runs as fast as it can (no --pace-us): every poll is a
# replication round, so this is the worst case; a real dialer polls every
# few ms and pays the same cost per poll. Loopback only; bounded (each run
# has a timeout). Needs nats-server (Debian's package; installed if missing).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
CONTACTS=${CONTACTS:-5000}
OPERATORS=${OPERATORS:-20}
PORT=${PORT:-14522}
OUT=${OUT:-docs/REPLICA.md}

command -v nats-server >/dev/null 2>&1 || apt-get install -y nats-server >/dev/null 2>&1 || true
command -v nats-server >/dev/null 2>&1 || { echo "cost.sh: nats-server missing"; exit 1; }
cargo build --quiet --release -p dialcore-cli
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/dialcore

W=$(mktemp -d /tmp/dialcore-replica-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT

start_cluster() { # nodes
  local n=$1
  for i in $(seq 1 "$n"); do
    local port=$((PORT + i - 1)) cport=$((PORT + 100 + i - 1)) routes=""
    for j in $(seq 1 "$n"); do [ "$j" = "$i" ] || routes="$routes, nats://127.0.0.1:$((PORT + 100 + j - 1))"; done
    {
      echo "server_name: b$i"
      echo "listen: 127.0.0.1:$port"
      echo "jetstream { store_dir: \"$W/js$n-$i\" }"
      if [ "$n" -gt 1 ]; then
        echo "cluster { name: bench, listen: 127.0.0.1:$cport, routes: [${routes#, }] }"
      fi
    } >"$W/b$n-$i.conf"
    nats-server -c "$W/b$n-$i.conf" >"$W/b$n-$i.log" 2>&1 &
    PIDS+=("$!")
  done
  SERVERS=""
  for i in $(seq 1 "$n"); do SERVERS="$SERVERS,nats://127.0.0.1:$((PORT + i - 1))"; done
  SERVERS=${SERVERS#,}
}
stop_cluster() { for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done; { wait; } 2>/dev/null || true; PIDS=(); }

common=(simulate --mode predictive --contacts "$CONTACTS" --operators "$OPERATORS" --seed 5)

# Unreplicated, durable (the same journal writes, no network).
rm -rf "$W/plain"
plain=$(timeout 300 "$BIN" "${common[@]}" --data-dir "$W/plain" --json)
plain_wall=$(echo "$plain" | python3 -c 'import json,sys; print(json.load(sys.stdin)["wall_s"])')
plain_events=$(echo "$plain" | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])')

rows=""
run_mode() { # label replicas mode
  rm -rf "$W/rep"
  local out
  out=$(timeout 300 "$BIN" "${common[@]}" --data-dir "$W/rep" --replicate "$SERVERS" \
    --replicas "$2" --replica-mode "$3" --replica-name "bench$2$3" --role primary 2>/dev/null)
  local wall polls events msgs
  wall=$(echo "$out" | sed -n 's/^wall time \([0-9.]*\) s.*/\1/p')
  polls=$(echo "$out" | sed -n 's/.* \([0-9]*\) polls, \([0-9]*\) events$/\1/p')
  events=$(echo "$out" | sed -n 's/.* \([0-9]*\) polls, \([0-9]*\) events$/\2/p')
  msgs=$(echo "$out" | sed -n 's/^replication: \([0-9]*\) messages.*/\1/p')
  rows="$rows$(python3 - "$1" "$3" "$wall" "$polls" "$events" "$msgs" "$plain_wall" <<'PY'
import sys
label, mode, wall, polls, events, msgs, plain = sys.argv[1:]
wall, polls, events, msgs, plain = float(wall), int(polls), int(events), int(msgs), float(plain)
cost = (wall - plain) / max(polls, 1) * 1e6
print(f"| {label} | {mode} | {polls} | {msgs} | {wall:.2f} | {cost:.0f} µs | {events / wall:,.0f} |")
PY
)
"
}

start_cluster 1
sleep 1
run_mode "1 server (R1)" 1 sync
run_mode "1 server (R1)" 1 async
stop_cluster
start_cluster 3
sleep 3
run_mode "3-node cluster (R3)" 3 sync
run_mode "3-node cluster (R3)" 3 async
stop_cluster

table="| JetStream | mode | polls | messages | wall s | cost per poll | events/s |
|---|---|---:|---:|---:|---:|---:|
| none (durable, unreplicated) | — | — | — | $(printf '%.2f' "$plain_wall") | — | $(python3 -c "print(f'{$plain_events / $plain_wall:,.0f}')") |
${rows%
}"
echo "$table"
python3 - "$OUT" "$table" "$CONTACTS" "$OPERATORS" "$(nproc)" <<'PY'
import sys, re
path, table, contacts, operators, cores = sys.argv[1:]
text = open(path).read()
note = (f"Measured by `replica/bench/cost.sh` on this machine ({cores} cores, loopback): "
        f"`dialcore simulate --mode predictive --contacts {contacts} --operators {operators}`, "
        "release build, as fast as it runs (one replication round per poll; the simulation "
        "polls after almost every event, so events/s is a worst case for group commit).\n\n")
block = "<!-- replica-cost:begin -->\n" + note + table + "\n<!-- replica-cost:end -->"
new, n = re.subn(r"<!-- replica-cost:begin -->.*?<!-- replica-cost:end -->", block, text, flags=re.S)
if n != 1:
    sys.exit(f"{path}: no replica-cost markers")
open(path, "w").write(new)
PY
echo "cost.sh: wrote $OUT"
