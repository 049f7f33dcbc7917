# scripts/bench replay: settlement replay of 100,000 and 1,000,000 rows vs pgbench's TPC-B-like
# transaction on the same PostgreSQL. Sourced by scripts/bench after bench/common.sh.
ROWS_SMALL="${BENCH_ROWS_SMALL:-100000}"
ROWS_LARGE="${BENCH_ROWS_LARGE:-1000000}"
WALLETS="${BENCH_WALLETS:-10000}"
positive_integers "$ROWS_SMALL" "$ROWS_LARGE" "$WALLETS"

pgbench_baseline

# One replay of a fresh file into a fresh database; prints "rows_per_second peak_rss_kib".
replay_once() {
  local rows=$1 db=bench_replay
  fresh_db $db
  DATABASE_URL="$(db_url $db)" "$GEN_SETTLEMENT_BIN" --rows "$rows" --wallets "$WALLETS" --out "$WORK/file.csv"
  DATABASE_URL="$(db_url $db)" /usr/bin/time -f "%M" -o "$WORK/rss" \
    "$BIN" --output json replay "$WORK/file.csv" --quiet > "$WORK/summary.json"
  DATABASE_URL="$(db_url $db)" "$BIN" audit >/dev/null || { log "audit failed after the replay"; exit 1; }
  local rate; rate=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(round(s["rows_per_second"]))' "$WORK/summary.json")
  local bad; bad=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["refused"] + s["invalid"])' "$WORK/summary.json")
  log "  $rows rows: $rate rows/s, peak RSS $(( $(cat "$WORK/rss") / 1024 )) MiB, $bad refused or invalid rows"
  admin "DROP DATABASE $db WITH (FORCE)"
  echo "$rate $(cat "$WORK/rss")"
}

log "replay benchmark: $WALLETS wallets; pgbench TPC-B-like baseline: median $PGBENCH_TPS TPS"
small=()
for _ in $(seq 1 "$RUNS"); do small+=("$(replay_once "$ROWS_SMALL")"); done
large="$(replay_once "$ROWS_LARGE")"
SMALL_RATE=$(printf '%s\n' "${small[@]}" | awk '{print $1}' | median)
SMALL_RSS=$(printf '%s\n' "${small[@]}" | awk '{print $2}' | median)
read -r LARGE_RATE LARGE_RSS <<< "$large"

printf '\n%-28s %12s %14s %14s\n' "scenario" "rows/s" "peak RSS MiB" "÷ pgbench TPS"
printf '%-28s %12s %14s %14s\n' "pgbench tpcb-like -c8 -j2" "$PGBENCH_TPS" "-" "1.00"
printf '%-28s %12s %14.1f %14.2f\n' "replay $ROWS_SMALL rows (median)" "$SMALL_RATE" "$(div "$SMALL_RSS" 1024)" "$(div "$SMALL_RATE" "$PGBENCH_TPS")"
printf '%-28s %12s %14.1f %14.2f\n' "replay $ROWS_LARGE rows" "$LARGE_RATE" "$(div "$LARGE_RSS" 1024)" "$(div "$LARGE_RATE" "$PGBENCH_TPS")"
printf '\npeak memory, %s rows vs %s rows: %.2fx\n' "$ROWS_LARGE" "$ROWS_SMALL" "$(div "$LARGE_RSS" "$SMALL_RSS")"
printf 'goals: >= 20000 rows/s, peak memory < 64 MiB\n'
