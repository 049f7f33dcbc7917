# scripts/bench batch: POST /batches of BENCH_BATCH_SIZE (100) transfers between
# BENCH_TRANSFER_WALLETS wallets from BENCH_BATCH_CONNECTIONS (64) keep-alive clients (wrk,
# bench/batch.lua), each transfer with its own idempotency key, against pgbench's TPC-B-like
# TPS on the same PostgreSQL (aim: >= 3x). walletctl serve runs as `scripts/bench transfers`
# runs it (API keys, balance cache, group commit defaults; no withdrawal pool or publisher).
# Transfers are counted from the answers ("succeeded"), not from the requests. Afterwards audit
# must pass. Sourced by scripts/bench after bench/common.sh.
BATCH_SECONDS="${BENCH_TRANSFER_SECONDS:-20}"
BATCH_CONNECTIONS="${BENCH_BATCH_CONNECTIONS:-64}"
BATCH_SIZE="${BENCH_BATCH_SIZE:-100}"
BATCH_WALLETS="${BENCH_TRANSFER_WALLETS:-10000}"
positive_integers "$BATCH_SECONDS" "$BATCH_CONNECTIONS" "$BATCH_SIZE" "$BATCH_WALLETS"
(( BATCH_CONNECTIONS <= 200 && BATCH_SIZE <= 1000 )) || {
  log "BENCH_BATCH_CONNECTIONS must be at most 200 and BENCH_BATCH_SIZE at most 1000"; exit 2; }
DB=bench_batch
URL="$(db_url $DB)"

# Prints "transfers_per_second batches_per_second p50_ms p99_ms p999_ms errors" for one run; $1
# is a run id (for unique idempotency keys).
wrk_batches() {
  BENCH_IDS="$WORK/ids" BENCH_SECRET="$SECRET" BENCH_RUN_ID="$1" BENCH_BATCH_SIZE="$BATCH_SIZE" \
    wrk -t 2 -c "$BATCH_CONNECTIONS" -d "${BATCH_SECONDS}s" --timeout 30s -s "$WALLET_ROOT/bench/batch.lua" \
    "http://127.0.0.1:$PORT" > "$WORK/wrk.out"
  awk '$1 == "BENCH" {printf "%d %d %.2f %.2f %.2f %d\n", $8 / $3, $2 / $3, $4, $5, $6, $7}' "$WORK/wrk.out"
}

log "batch benchmark: $BATCH_WALLETS wallets, batches of $BATCH_SIZE transfers, wrk -t2 -c$BATCH_CONNECTIONS, ${BATCH_SECONDS}s per run, $RUNS runs"
pgbench_baseline
log "  pgbench TPC-B-like baseline: median $PGBENCH_TPS TPS"

funded_wallets_db $DB "$BATCH_WALLETS" "$WORK/ids"
SECRET=$(api_secret "$URL" write)
start_bench_serve "$URL" "$((BATCH_CONNECTIONS + 16))"
PORT=$STARTED_PORT
SERVE_PID=$STARTED_PID
wrk_batches warmup >/dev/null

tps="" bps="" p50="" p99="" p999="" errors=0
for run in $(seq 1 "$RUNS"); do
  read -r t b x y z e <<< "$(wrk_batches "batch-$run-$$")"
  tps+="$t "; bps+="$b "; p50+="$x "; p99+="$y "; p999+="$z "
  errors=$((errors + e))
  log "  run $run: $t transfers/s in $b batches/s, p50 $x ms, p99 $y ms, p999 $z ms, $e errors"
done
PEAK_RSS_KIB=$(awk '/^VmHWM:/ {print $2}' "/proc/$SERVE_PID/status")
DATABASE_URL="$URL" "$BIN" audit >/dev/null || { log "audit failed after the batches"; exit 1; }
transfers_in_ledger=$(psql -tA "$URL" -c "SELECT count(*) FROM transactions WHERE kind = 'transfer'")

med() { printf '%s\n' $1 | median; }
T=$(med "$tps")
printf '\n%-40s %12s %10s %8s %8s %8s %12s\n' "scenario" "transfers/s" "batches/s" "p50 ms" "p99 ms" "p999 ms" "ratio"
printf '%-40s %12s %10s %8s %8s %8s %12s\n' "pgbench tpcb-like -M prepared -c8 -j2" "$PGBENCH_TPS" "-" "-" "-" "-" "1.00"
printf '%-40s %12.0f %10.0f %8.2f %8.2f %8.2f %12s\n' "batches of $BATCH_SIZE, $BATCH_CONNECTIONS clients" "$T" \
  "$(med "$bps")" "$(med "$p50")" "$(med "$p99")" "$(med "$p999")" "$(div "$T" "$PGBENCH_TPS") pgbench"
printf '\nerrors (non-2xx, timeouts, socket): %s; %s transfers in the ledger; audit passed\n' "$errors" "$transfers_in_ledger"
printf 'daemon peak RSS: %.1f MiB\n' "$(div "$PEAK_RSS_KIB" 1024)"
printf 'medians of %s runs; goal: transfers in batches >= 3x pgbench\n' "$RUNS"
(( errors == 0 )) || { log "requests failed"; exit 1; }
