#!/usr/bin/env bash
# Runs the dialcore benches in a quick mode and writes docs/BENCHMARKS.md.
#
#   benches/report.sh                      # all groups, quick mode
#   BENCHES="selection csv_load" benches/report.sh   # a subset
#   OUT=/tmp/B.md benches/report.sh        # another output file
#   REPORT_ONLY=1 benches/report.sh        # rewrite from the last run's data
#
# A subset run after a full one re-runs only the benches named and keeps the
# rest of the full run (logs, criterion estimates, simulator result), so the
# report still has every group; each group's rows come from the latest run
# that touched it, and the report lists the re-runs. A subset run with no
# full run before it reports only its own benches.
#
# Quick mode: criterion `--warm-up-time 1 --measurement-time 2
# --sample-size 10` (groups that set their own measurement time in code keep
# it) and DIALCORE_BENCH_QUICK=1 (shorter same-run summaries). Medians come
# from target/criterion/<group>/<bench>/new/estimates.json; the summary lines
# the benches print (ratios, bytes per contact…) are copied verbatim.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${OUT:-$ROOT/docs/BENCHMARKS.md}
SUBSET_BENCHES=${BENCHES:-}
BENCHES=${BENCHES:-"load store wheel blacklist engine selection csv_load durable durable_rate lock_wait phone traps overhead floor floor_scale pacer_cost rules_guard calls"}
# The headline figures (docs/benchmarks.json) and README.md's block made
# from them; JSON_OUT=/tmp/b.json leaves README.md alone.
JSON_OUT=${JSON_OUT:-$ROOT/docs/benchmarks.json}
CRITERION_ARGS=(--warm-up-time 1 --measurement-time 2 --sample-size 10)
CRIT="$ROOT/target/criterion"
# Logs of the last run stay here (bench stdout/stderr, the simulator JSON).
# REPORT_ONLY=1 rewrites the report from the last run's logs and estimates.
WORK="$ROOT/target/bench-report"
REPORT_ONLY=${REPORT_ONLY:-0}
RERUN=0
if [ "$REPORT_ONLY" != 1 ]; then
    if [ -n "$SUBSET_BENCHES" ] && [ -f "$WORK/stamp" ] && [ -f "$WORK/simulate.json" ]; then
        RERUN=1
    else
        rm -rf "$WORK"
    fi
fi
mkdir -p "$WORK"
export DIALCORE_BENCH_QUICK=1

run_benches() { # bench names → logs in $WORK
    for bench in "$@"; do
        pkg=dialcore-benches
        [ "$bench" = overhead ] && pkg=dialcore-ffi
        # The floor at its issue's scale: 1,000 campaigns of 100k contacts.
        bench_env=()
        [ "$bench" = floor_scale ] && bench_env=(DIALCORE_BENCH_BIG=1 DIALCORE_BENCH_QUICK=0)
        echo ">> ${bench_env[*]} cargo bench -p $pkg --bench $bench" >&2
        env "${bench_env[@]}" cargo bench -p "$pkg" --bench "$bench" -- "${CRITERION_ARGS[@]}" \
            >"$WORK/$bench.log" 2>"$WORK/$bench.err" || {
            echo "bench $bench failed, see below" >&2
            tail -20 "$WORK/$bench.err" >&2
            exit 1
        }
    done
}

mkdir -p "$(dirname "$OUT")" "$CRIT"
if [ "$REPORT_ONLY" = 1 ] || [ "$RERUN" = 1 ]; then
    if [ "$RERUN" = 1 ]; then
        n=$(find "$WORK" -maxdepth 1 -name 'stamp.*' | wc -l)
        touch "$WORK/stamp.$(printf '%03d' $((n + 1)))"
        rerun_load=$(cut -d' ' -f1-3 /proc/loadavg)
        rerun_started=$(date +%s)
        # shellcheck disable=SC2086
        run_benches $SUBSET_BENCHES
        echo "$(date -u '+%Y-%m-%d %H:%M UTC'): \`$SUBSET_BENCHES\` in $(($(date +%s) - rerun_started)) s, load average $rerun_load before, $(cut -d' ' -f1-3 /proc/loadavg) after" \
            >>"$WORK/reruns"
        all=$(cat "$WORK/benches")
        for bench in $SUBSET_BENCHES; do
            case " $all " in *" $bench "*) ;; *) all="$all $bench" ;; esac
        done
        echo "$all" >"$WORK/benches"
    fi
    load_before=$(cat "$WORK/load_before")
    load_after=$(cat "$WORK/load_after")
    elapsed=$(cat "$WORK/elapsed")
    sim_json=$(cat "$WORK/simulate.json")
    BENCHES=$(cat "$WORK/benches")
else
touch "$WORK/stamp"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "$load_before" >"$WORK/load_before"
echo "$BENCHES" >"$WORK/benches"
started=$(date +%s)

# shellcheck disable=SC2086
run_benches $BENCHES

echo ">> simulate sim/scenarios/big.toml" >&2
cargo build --release -q -p dialcore-cli
sim_json=$(cargo run --release -q -p dialcore-cli -- simulate --scenario sim/scenarios/big.toml --json)
echo "$sim_json" >"$WORK/simulate.json"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
elapsed=$(($(date +%s) - started))
echo "$load_after" >"$WORK/load_after"
echo "$elapsed" >"$WORK/elapsed"
fi

median_ns() { # estimates.json → median point estimate in ns
    sed -E 's/.*"median":\{"confidence_interval":\{[^}]*\},"point_estimate":([-0-9.eE+]+).*/\1/' "$1"
}
human() { # ns → readable
    awk -v t="$1" 'BEGIN {
        if (t < 1e3) printf "%.1f ns", t;
        else if (t < 1e6) printf "%.2f µs", t / 1e3;
        else if (t < 1e9) printf "%.2f ms", t / 1e6;
        else printf "%.2f s", t / 1e9 }'
}
pair_of() { # group dir, contender → the dialcore bench it is compared with
    local dir=$1 name=$2 rest
    if [[ $name == *_heap ]] && [ -d "$dir/${name%_heap}_dialcore" ]; then
        echo "${name%_heap}_dialcore"; return
    fi
    rest=$name
    while [[ $rest == *_* ]]; do
        rest=${rest#*_}
        if [ -d "$dir/dialcore_$rest" ]; then echo "dialcore_$rest"; return; fi
    done
    if [ -d "$dir/dialcore" ]; then echo dialcore; fi
}
json_field() { # crude: first numeric value of "key" in a JSON text
    grep -oE "\"$1\"[[:space:]]*:[[:space:]]*[-0-9.eE+]+" <<<"$2" | head -1 | sed -E 's/.*:[[:space:]]*//'
}

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
cores=$(nproc)
ram=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
report_date=$(date -u '+%Y-%m-%d %H:%M UTC')

# Headline figures with their targets, from this run's estimates and logs.
targets_md=$(REPORT_DATE="$report_date" REPORT_CPU="${cpu:-unknown CPU}" REPORT_CORES="$cores" \
    REPORT_RAM="$ram" REPORT_LOAD_BEFORE="$load_before" REPORT_LOAD_AFTER="$load_after" \
    python3 "$ROOT/benches/figures.py" --crit "$CRIT" --work "$WORK" --since "$WORK/stamp" \
    --out "$JSON_OUT" --markdown)

{
    echo "# Benchmarks"
    echo
    echo "Generated by \`benches/report.sh\` on $report_date in ${elapsed} s."
    echo
    echo "- Machine: ${cpu:-unknown CPU}, $cores cores (\`nproc\`), $ram RAM, $(uname -sr)."
    echo "- Toolchain: $(rustc --version)."
    echo "- Mode: quick — criterion \`${CRITERION_ARGS[*]}\` (groups that set a"
    echo "  measurement time in code keep it), \`DIALCORE_BENCH_QUICK=1\`."
    echo "- Run conditions: load average (1/5/15 min) $load_before before, $load_after after"
    echo "  (on a shared 2-core VM expect noise of tens of percent on single figures)."
    if [ -s "$WORK/reruns" ]; then
        echo "- Re-run since, on top of that run (their groups and summaries below"
        echo "  come from the re-run; the simulator figure from the full run):"
        sed 's/^/  - /' "$WORK/reruns"
    fi
    echo
    echo "**Absolute numbers vary between machines (and between runs on a shared"
    echo "VM); the ratios, measured side by side in one run on the same data, are"
    echo "the point.** Ratio = the matching dialcore bench's median / the"
    echo "contender's median (the dialcore bench is named in each row): below 1"
    echo "means dialcore takes less time. Rows starting with dialcore have no ratio."
    echo
    echo "Notes on the contenders:"
    echo
    echo "- \`selection_*\`: 1M contacts (10% do-not-call, 15% done, 25% retry of which"
    echo "  half due, 50% new). dialcore = one \`poll\` of a predictive campaign with 100"
    echo "  ready operators; SQL hopper = \`INSERT INTO hopper SELECT … WHERE status IN"
    echo "  ('NEW','RETRY') AND next_call_at <= ? ORDER BY priority DESC, next_call_at"
    echo "  LIMIT 1000\` (a background-sized refill whenever the hopper holds fewer than"
    echo "  100, its cost amortized over the takes it serves) through the partial index"
    echo "  \`(priority DESC, next_call_at) WHERE status IN ('NEW','RETRY')\`, plus a"
    echo "  DELETE and an UPDATE per lead taken; SQLite (bundled) in memory or on disk"
    echo "  in WAL mode with \`synchronous=NORMAL\`. SQLite's plan for the refill is in"
    echo "  the selection summary below (\`EXPLAIN QUERY PLAN\`, printed by the run)."
    echo "  Event cycles = select 100 + answered, ended, ACW done each (one autocommit"
    echo "  status UPDATE per event on the SQL side)."
    echo "- \`csv_load_1M\`, \`csv_load_10M\`: a 1M / 10M-row CSV (phone, external_id,"
    echo "  timezone, priority; its size is in the summary); dialcore"
    echo "  \`Campaign::import_csv_path\` (duplicate check, number index and selection"
    echo "  queue included) vs row stores fed by the \`csv\` crate — a"
    echo "  \`HashMap<u64, RowContact>\` and a \`Vec<RowContact>\` (number normalized to"
    echo "  \`+\` and digits in a \`String\`, external id and time zone as \`String\`s) —"
    echo "  vs, at 1M only, SQLite in-memory inserts in one transaction. Row-store"
    echo "  loads of 10M are too long for criterion's ten samples in quick mode: there"
    echo "  \`csv_load_10M\` has the dialcore row only, and the 10M ratio is the"
    echo "  \`csv_load\` same-run summary below (one load of each, side by side); a full"
    echo "  \`cargo bench\` run has both in criterion."
    echo "- \`store_append_1M\`, \`store_append_10M\`: contacts from numbers already in"
    echo "  memory, \`ContactStore::extend_numbers\` vs the row stores (\`HashMap\` and"
    echo "  \`Vec\`) inserting one struct per number (\`format!(\"+{n}\")\` number). The"
    echo "  10M group sets its own 8 s measurement time."
    echo "- Memory and loads (\`load\` bench): the whole engine's resident growth"
    echo "  (\`VmRSS\` before and after \`Campaign::add_numbers\` of N contacts: store"
    echo "  columns, number index, selection queue, timer wheel) beside the row stores"
    echo "  (\`Vec<RowContact>\` and \`HashMap<u64, RowContact>\`, 1M and 10M only), and"
    echo "  \`load/add_numbers\` timing the load at 1M, 10M and, in this report mode, 100M."
    echo "  A freshly loaded campaign has no timer armed; the wheel's 12-byte nodes grow"
    echo "  with the highest contact id ever armed (the dialed prefix of the list)."
    echo "- \`engine/realistic_1M_contacts\`: one 100 ms poll period of a realistic host"
    echo "  (\`benches/src/realistic.rs\`: random priority order, 3% blacklisted, 2,000"
    echo "  operators, 70% of calls unanswered until the ring timeout, busy, unreachable,"
    echo "  machines, 15% answered and wrapped up, retries coming due); the engine"
    echo "  summary prints its events per second next to the all-answered round's."
    echo "- \`durable_rate\` (printed, no criterion group): the realistic host at 100,"
    echo "  1,000 and 10,000 polls a second in memory, with the journal written"
    echo "  (\`Never\`) and written + fdatasynced at every poll (\`Always\`, group commit"
    echo "  into the preallocated journal); sustained events/s = (1 − rate × poll"
    echo "  period) / per-event cost, with the sync inline or outside the lock (see the"
    echo "  bench's doc for the exact rule)."
    echo "- \`lock_wait\` (printed): \`dc_campaign_handle\` timed from one thread while"
    echo "  another polls a durable campaign (fsync \`ALWAYS\`) every 10 ms, with the"
    echo "  sync inside the lock (before) and after it is released (now)."
    echo "- \`phone_parse\`: parse cost of 10,000 numbers (throughput per number):"
    echo "  \`before_*\` = the parser before the per-country table (kept in"
    echo "  \`benches/benches/phone.rs\`), \`dialcore_*\` = \`phone::normalize_bytes\` with"
    echo "  the table and the number gate; \`plain\` = E.164 digits, \`formatted\` = \`+CC\`"
    echo "  with spaces, national with trunk prefix, NANP \`(212) 555-0123\`, \`00\` prefix;"
    echo "  \`dialcore_check_e164\` = the integer gate alone."
    echo "- \`traps_*\` (issue 19's per-call traps, each flat over sizes if fixed):"
    echo "  \`next_deadline_<N>\` — N timers 30–31 min out, \`next_deadline\`,"
    echo "  \`deadline\` of a random key, a random cancel + re-arm then \`next_deadline\`;"
    echo "  \`blacklist_<N>\` — \`blacklist_numbers\` of N numbers (every 10th a"
    echo "  contact's, 1M contacts) vs the bare \`Blacklist::insert_many\` floor and, at"
    echo "  1M, the one-at-a-time \`BlacklistAdd\` path it replaced; \`scan_10M\` —"
    echo "  \`ids_in_state\` (0.1% match) and \`recount\` vs the sum of a 10 MB"
    echo "  \`Vec<u8>\` (the read bandwidth, same run; ratio in the summary)."
    echo "- \`floor_*\` (issue 16's parts): \`floor_share\` (choosing the campaign at"
    echo "  10 / 100 / 1,000 campaigns), \`floor_trunk\`, \`floor_caps\`, \`floor_dnc\`;"
    echo "  \`floor_scale/{poll,event}/<N>\` — a whole \`Floor\` of N campaigns of 100k"
    echo "  contacts and 5,000 operators (N = 10, 100 and 1,000: this report runs it"
    echo "  with \`DIALCORE_BENCH_BIG=1\` at full size, 100M contacts at 1,000), its"
    echo "  \`summary floor …\` lines give the ratio to 10 campaigns."
    echo
    echo "## Targets"
    echo
    echo "From this run (also in \`docs/benchmarks.json\`); the ratio is the stronger"
    echo "baseline's time over dialcore's, \"not measured\" where this run did not run"
    echo "the group."
    echo
    echo "$targets_md"
    echo
    echo "## Median times per group"
    echo
    # Groups with an estimate written by the last full run or a re-run since
    # (criterion rewrites the files in place, so the file's time is what
    # tells). In each group only the rows of the latest run that wrote any
    # of them, so a ratio never mixes two runs.
    stamps=$(find "$WORK" -maxdepth 1 -name 'stamp.*' | sort -r)
    while IFS= read -r dir; do
        group=$(basename "$dir")
        since="$WORK/stamp"
        for stamp in $stamps; do
            if [ -n "$(find "$dir" -path '*/new/estimates.json' -newer "$stamp" | head -1)" ]; then
                since=$stamp
                break
            fi
        done
        echo "### \`$group\`"
        echo
        echo "| contender | median | dialcore / contender |"
        echo "|---|---|---|"
        while IFS= read -r bench; do
            est="$bench/new/estimates.json"
            [ -f "$est" ] || continue
            [ "$est" -nt "$since" ] || continue
            ns=$(median_ns "$est")
            name=$(basename "$bench")
            ratio="—"
            pair_ns=""
            if [[ $name != dialcore* && $name != *_dialcore ]]; then
                pair=$(pair_of "$dir" "$name")
                [ -n "$pair" ] && pair_ns=$(median_ns "$dir/$pair/new/estimates.json")
            fi
            if [ -n "$pair_ns" ]; then
                ratio=$(awk -v a="$pair_ns" -v b="$ns" -v p="$pair" 'BEGIN {
                    r = a / b;
                    if (r < 0.1) printf "%.4f (dialcore %.0fx faster; vs `%s`)", r, 1 / r, p;
                    else if (r <= 1) printf "%.2f (dialcore %.1fx faster; vs `%s`)", r, 1 / r, p;
                    else printf "%.2f (dialcore %.1fx slower; vs `%s`)", r, r, p }')
            fi
            echo "| $name | $(human "$ns") | $ratio |"
        done < <(find "$dir" -mindepth 1 -maxdepth 1 -type d ! -name report | sort)
        echo
    done < <(find "$CRIT" -mindepth 4 -maxdepth 4 -path '*/new/estimates.json' -newer "$WORK/stamp" |
        sed -E 's#/[^/]+/new/estimates\.json$##' | sort -u)
    echo "## Same-run summaries printed by the benches"
    echo
    for bench in $BENCHES; do
        [ -s "$WORK/$bench.log" ] || continue
        # "== … ==" blocks up to the first criterion line, and lines that
        # start with "summary" or "wheel arm".
        lines=$(awk '
            /^== / { on = 1; print; next }
            on && (/^$/ || /^[[:space:]]/ || /^(Benchmarking|Found|Warning)/ || /^[^ ]+\//) { on = 0 }
            on || /^summary/ || /^wheel arm/ || /^pacer cost per simulated event:/ { print }' "$WORK/$bench.log")
        [ -n "$lines" ] || continue
        echo "### \`$bench\`"
        echo
        echo '```text'
        echo "$lines"
        echo '```'
        echo
    done
    echo "## Simulated campaign: 1M contacts, 100 operators, predictive, to completion"
    echo
    echo "\`cargo run --release -p dialcore-cli -- simulate --scenario sim/scenarios/big.toml --json\`:"
    echo
    wall=$(json_field wall_s "$sim_json")
    events=$(json_field events "$sim_json")
    echo "| wall_s | events | events/s |"
    echo "|---|---|---|"
    echo "| ${wall:-?} | ${events:-?} | $(awk -v e="${events:-0}" -v w="${wall:-0}" 'BEGIN { if (w > 0) printf "%.2f M", e / w / 1e6; else print "?" }') |"
    echo
    echo "## Real calls: the SIP host against SIPp on loopback"
    echo
    if [ -f "$ROOT/docs/SIP.md" ]; then
        echo "Copied from [SIP.md](SIP.md), which \`python3 sip/bench/cps.py\` writes (it needs SIPp"
        echo "and a release build of \`dialcore-sip\`, so this script does not re-run it):"
        echo
        grep '^|' "$ROOT/docs/SIP.md"
        grep '^Machine:' "$ROOT/docs/SIP.md" || true
    else
        echo "not measured: run \`python3 sip/bench/cps.py\` to write docs/SIP.md."
    fi
    echo
    echo "## Replication over NATS JetStream"
    echo
    if [ -f "$ROOT/docs/REPLICA.md" ]; then
        echo "Copied from [REPLICA.md](REPLICA.md), which \`replica/bench/cost.sh\` writes (it needs"
        echo "nats-server and a release build, so this script does not re-run it):"
        echo
        sed -n '/<!-- replica-cost:begin -->/,/<!-- replica-cost:end -->/p' "$ROOT/docs/REPLICA.md" | grep -v '^<!-- replica-cost'
    else
        echo "not measured: run \`replica/bench/cost.sh\` to write docs/REPLICA.md."
    fi
    echo
    echo "## How to run"
    echo
    echo "\`benches/report.sh\` (all groups, about ${elapsed} s here) or"
    echo "\`BENCHES=\"selection csv_load\" benches/report.sh\`; full-length runs:"
    echo "\`cargo bench -p dialcore-benches\` and \`cargo bench -p dialcore-ffi\`."
} >"$OUT"

echo "wrote $OUT and $JSON_OUT" >&2
if [ "$JSON_OUT" = "$ROOT/docs/benchmarks.json" ]; then
    python3 "$ROOT/scripts/readme-figures"
    echo "rewrote README.md's figures block" >&2
fi
