# scripts/bench withdrawals: draining $WITHDRAWALS withdrawals through the simulated gateway
# vs the ideal rate, workers / latency. Sourced by scripts/bench after bench/common.sh.
WITHDRAWALS="${BENCH_WITHDRAWALS:-10000}"
WORKERS="${BENCH_WORKERS:-50}"
LATENCY_MS="${BENCH_LATENCY_MS:-50}"
positive_integers "$WITHDRAWALS" "$WORKERS" "$LATENCY_MS"

# One drain of $WITHDRAWALS pending withdrawals by `walletctl worker`; prints withdrawals/s, from
# the worker's start until none is pending or processing.
drain_once() {
  local db=bench_withdrawals url
  url="$(db_url $db)"
  fresh_db $db
  {
    echo "op,user_id,amount"
    for i in $(seq 1 100); do echo "charge,payee-$i,100000000"; done
    for i in $(seq 1 "$WITHDRAWALS"); do echo "withdraw,payee-$((i % 100 + 1)),$((i % 50 + 1))"; done
  } > "$WORK/withdrawals.csv"
  DATABASE_URL="$url" "$BIN" replay "$WORK/withdrawals.csv" --quiet >/dev/null 2>&1
  local start end pid
  start=$(date +%s.%N)
  DATABASE_URL="$url" "$BIN" --set withdrawals.workers="$WORKERS" --set withdrawals.gateway=simulated \
    --set withdrawals.simulated_latency_ms="$LATENCY_MS" --set withdrawals.simulated_failure_percent=0 \
    worker >/dev/null 2>"$WORK/worker.log" &
  pid=$!
  local deadline=$((SECONDS + 600))
  while [[ "$(psql -tA "$url" -c "SELECT count(*) FROM withdrawals WHERE status IN ('pending', 'processing')")" != 0 ]]; do
    ((SECONDS < deadline)) || { log "withdrawals did not drain in 10 minutes"; kill "$pid"; exit 1; }
    sleep 0.05  # polling the table the workers drain; the figure's resolution
  done
  end=$(date +%s.%N)
  kill -TERM "$pid"
  wait "$pid" || { log "worker did not stop cleanly"; cat "$WORK/worker.log" >&2; exit 1; }
  DATABASE_URL="$url" "$BIN" audit >/dev/null || { log "audit failed after the drain"; exit 1; }
  local rate; rate=$(awk -v n="$WITHDRAWALS" -v a="$start" -v b="$end" 'BEGIN {printf "%d", n / (b - a)}')
  log "  $WITHDRAWALS withdrawals drained at $rate/s"
  admin "DROP DATABASE $db WITH (FORCE)"
  echo "$rate"
}

IDEAL=$((WORKERS * 1000 / LATENCY_MS))
log "withdrawals benchmark: $WITHDRAWALS withdrawals, $WORKERS workers, simulated bank at $LATENCY_MS ms; ideal $IDEAL/s"
rates=()
for _ in $(seq 1 "$RUNS"); do rates+=("$(drain_once)"); done
RATE=$(printf '%s\n' "${rates[@]}" | median | awk '{printf "%d", $1}')
printf '\n%-40s %14s %10s\n' "scenario" "withdrawals/s" "÷ ideal"
printf '%-40s %14s %10s\n' "ideal: $WORKERS workers / $LATENCY_MS ms" "$IDEAL" "1.00"
printf '%-40s %14s %10s\n' "drain of $WITHDRAWALS (median of $RUNS)" "$RATE" "$(div "$RATE" "$IDEAL")"
printf 'goal: >= 0.90 of ideal\n'
