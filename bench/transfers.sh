# scripts/bench transfers (and hot): HTTP transfers between BENCH_TRANSFER_WALLETS wallets from
# BENCH_TRANSFER_CONNECTIONS keep-alive clients (wrk, bench/transfers.lua), each with its own
# idempotency key, against pgbench's TPC-B-like TPS on the same PostgreSQL; then "hot", where
# every transfer leaves one wallet, against "transfers". walletctl serve runs as deployed
# (API keys checked, balance cache on, group commit with its defaults) but without the
# withdrawal pool and the event publisher, which this path does not use: events wait in the
# outbox. Then "pending + capture": each transfer authorised (pending) and then captured, two
# requests, reported as pairs per second against plain transfers of the same run (aim: >= 0.45).
# Afterwards audit must pass. Sourced by scripts/bench after bench/common.sh.
TRANSFER_SECONDS="${BENCH_TRANSFER_SECONDS:-20}"
TRANSFER_CONNECTIONS="${BENCH_TRANSFER_CONNECTIONS:-64}"
TRANSFER_WALLETS="${BENCH_TRANSFER_WALLETS:-10000}"
positive_integers "$TRANSFER_SECONDS" "$TRANSFER_CONNECTIONS" "$TRANSFER_WALLETS"
(( TRANSFER_CONNECTIONS <= 200 )) || { log "BENCH_TRANSFER_CONNECTIONS must be at most 200"; exit 2; }
DB=bench_transfers
URL="$(db_url $DB)"

# Prints "requests_per_second p50_ms p99_ms p999_ms errors" for one wrk run; $1 is a run id
# (for unique idempotency keys), $2 the hot wallet or empty, $3 1 for pending + capture pairs.
wrk_transfers() {
  BENCH_IDS="$WORK/ids" BENCH_SECRET="$SECRET" BENCH_RUN_ID="$1" BENCH_HOT_ID="$2" BENCH_PENDING="${3:-0}" \
    BENCH_METADATA="${4:-0}" \
    wrk -t 2 -c "$TRANSFER_CONNECTIONS" -d "${TRANSFER_SECONDS}s" --timeout 10s -s "$WALLET_ROOT/bench/transfers.lua" \
    "http://127.0.0.1:$PORT" > "$WORK/wrk.out"
  awk '$1 == "BENCH" {printf "%d %.2f %.2f %.2f %d\n", $2 / $3, $4, $5, $6, $7}' "$WORK/wrk.out"
}

log "transfers benchmark: $TRANSFER_WALLETS wallets, wrk -t2 -c$TRANSFER_CONNECTIONS, ${TRANSFER_SECONDS}s per run, $RUNS runs"
pgbench_baseline
log "  pgbench TPC-B-like baseline: median $PGBENCH_TPS TPS"
source "$WALLET_ROOT/bench/pgledger.sh"
pgledger_peer
[[ -n $PGLEDGER_TPS ]] && log "  pgledger peer: median $PGLEDGER_TPS transfers/s"

fresh_db $DB
{
  echo "op,user_id,amount"
  for i in $(seq 1 "$TRANSFER_WALLETS"); do echo "charge,payee-$i,1000000000"; done
  echo "charge,hot-payouts,1000000000000000"
} > "$WORK/wallets.csv"
DATABASE_URL="$URL" "$BIN" replay "$WORK/wallets.csv" --quiet >/dev/null
psql -tA "$URL" -c "SELECT id FROM wallets WHERE kind = 'user' AND user_id <> 'hot-payouts'" > "$WORK/ids"
HOT=$(psql -tA "$URL" -c "SELECT id FROM wallets WHERE user_id = 'hot-payouts'")
SECRET=$(api_secret "$URL" write)
start_bench_serve "$URL" "$((TRANSFER_CONNECTIONS + 16))"
PORT=$STARTED_PORT
SERVE_PID=$STARTED_PID
wrk_transfers warmup "" >/dev/null
# The pending transfers table starts empty: warm it too, so the runs measure a table PostgreSQL
# has statistics for (the first pending run after an empty start was about 30% slower).
wrk_transfers warmup-pending "" 1 >/dev/null

declare -A tps p50 p99 p999 cpu
errors=0
serve_cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVE_PID/stat"; }
for run in $(seq 1 "$RUNS"); do
  for target in transfers metadata hot pending; do
    hot=""; [[ $target == hot ]] && hot=$HOT
    two_phase=0; [[ $target == pending ]] && two_phase=1
    metadata=0; [[ $target == metadata ]] && metadata=1
    cpu_before=$(serve_cpu_ticks)
    read -r t a b c e <<< "$(wrk_transfers "$target-$run-$$" "$hot" "$two_phase" "$metadata")"
    # serve's CPU per request over the run (docs/write-path.md measured it by hand this way).
    us=$(awk -v d="$(( $(serve_cpu_ticks) - cpu_before ))" -v hz="$(getconf CLK_TCK)" -v r="$t" -v s="$TRANSFER_SECONDS" \
      'BEGIN {printf "%d", d / hz * 1e6 / (r * s)}')
    (( two_phase )) && t=$((t / 2))  # pairs: an authorisation and its capture
    tps[$target]+="$t "; p50[$target]+="$a "; p99[$target]+="$b "; p999[$target]+="$c "; cpu[$target]+="$us "
    errors=$((errors + e))
    log "  run $run, $target: $t transfers/s, p50 $a ms, p99 $b ms, p999 $c ms, $e errors, serve CPU $us µs a request"
  done
done
PEAK_RSS_KIB=$(awk '/^VmHWM:/ {print $2}' "/proc/$SERVE_PID/status")
metrics=$(curl -s -H "Authorization: Bearer $SECRET" "http://127.0.0.1:$PORT/metrics")
batches=$(awk '/^walletctl_group_commit_batches_total / {print $2}' <<< "$metrics")
operations=$(awk '/^walletctl_group_commit_operations_total / {print $2}' <<< "$metrics")
retries=$(awk '/^walletctl_group_commit_retries_total / {print $2}' <<< "$metrics")
DATABASE_URL="$URL" "$BIN" audit >/dev/null || { log "audit failed after the transfers"; exit 1; }

med() { printf '%s\n' $1 | median; }
T=$(med "${tps[transfers]}")
M=$(med "${tps[metadata]}")
H=$(med "${tps[hot]}")
P=$(med "${tps[pending]}")
open_pending=$(psql -tA "$URL" -c "SELECT count(*) FROM pending_transfers WHERE state = 'pending'")
printf '\n%-36s %12s %8s %8s %8s %12s\n' "scenario" "per second" "p50 ms" "p99 ms" "p999 ms" "ratio"
printf '%-36s %12s %8s %8s %8s %12s\n' "pgbench tpcb-like -M prepared -c8 -j2" "$PGBENCH_TPS" "-" "-" "-" "1.00"
[[ -n $PGLEDGER_TPS ]] && printf '%-36s %12s %8s %8s %8s %12s\n' "peer: pgledger over SQL, 20 clients" \
  "$PGLEDGER_TPS" "-" "-" "-" "$(div "$PGLEDGER_TPS" "$PGBENCH_TPS") pgbench"
printf '%-36s %12.0f %8.2f %8.2f %8.2f %12s\n' "transfers, $TRANSFER_CONNECTIONS clients" "$T" "$(med "${p50[transfers]}")" \
  "$(med "${p99[transfers]}")" "$(med "${p999[transfers]}")" "$(div "$T" "$PGBENCH_TPS") pgbench"
[[ -n $PGLEDGER_TPS ]] && printf '%-36s %12s %8s %8s %8s %12s\n' "transfers against the peer" "-" "-" "-" "-" \
  "$(div "$T" "$PGLEDGER_TPS") pgledger"
printf '%-36s %12.0f %8.2f %8.2f %8.2f %12s\n' "transfers with ~200 B metadata" "$M" "$(med "${p50[metadata]}")" \
  "$(med "${p99[metadata]}")" "$(med "${p999[metadata]}")" "$(div "$M" "$T") transfers"
printf '%-36s %12.0f %8.2f %8.2f %8.2f %12s\n' "hot: all from one wallet" "$H" "$(med "${p50[hot]}")" \
  "$(med "${p99[hot]}")" "$(med "${p999[hot]}")" "$(div "$H" "$T") transfers"
printf '%-36s %12.0f %8.2f %8.2f %8.2f %12s\n' "pending + capture pairs" "$P" "$(med "${p50[pending]}")" \
  "$(med "${p99[pending]}")" "$(med "${p999[pending]}")" "$(div "$P" "$T") transfers"
printf '\nerrors (non-2xx, timeouts, socket): %s; audit passed\n' "$errors"
printf 'group commit: %s transactions for %s operations (mean batch %s), %s retried\n' "$batches" "$operations" \
  "$(div "$operations" "$batches")" "$retries"
printf 'daemon peak RSS: %.1f MiB\n' "$(div "$PEAK_RSS_KIB" 1024)"
printf 'serve CPU per request (user + system, over each run): transfers %s µs, metadata %s µs, hot %s µs, pending + capture %s µs\n' \
  "$(med "${cpu[transfers]}")" "$(med "${cpu[metadata]}")" "$(med "${cpu[hot]}")" "$(med "${cpu[pending]}")"
printf 'pending transfers left open when the runs ended (authorised, capture not yet sent): %s\n' "$open_pending"
printf 'medians of %s runs; goals: transfers >= 3x pgbench and >= 3x pgledger with p99 < 50 ms, metadata >= 0.9 of transfers, hot >= 0.5 of transfers, pending + capture pairs >= 0.45 of transfers, peak RSS < 150 MiB\n' "$RUNS"
(( errors == 0 )) || { log "requests failed"; exit 1; }
