# scripts/bench notify: `walletctl notify` draining a backlog of BENCH_NOTIFY_EVENTS (100,000)
# transfer events into a local webhook receiver (bench/ceiling_server.cpp, which answers every
# POST 204 at once), against the rate at which HTTP transfers make those events: POST /transfers
# from 64 wrk clients for BENCH_TRANSFER_SECONDS (as `scripts/bench transfers` runs it), in the
# same run. Aim: events/s >= 2x transfers/s, so notify keeps pace with the write rate. The
# backlog is made by replay (one transfer.completed event each) and relayed to RabbitMQ by a
# serve before notify starts; notify's own /metrics says when it has told them all. Runs
# BENCH_RUNS times (the backlog made again each time); medians. Sourced by scripts/bench after
# bench/common.sh.
NOTIFY_EVENTS="${BENCH_NOTIFY_EVENTS:-100000}"
NOTIFY_WALLETS="${BENCH_TRANSFER_WALLETS:-10000}"
TRANSFER_SECONDS="${BENCH_TRANSFER_SECONDS:-20}"
positive_integers "$NOTIFY_EVENTS" "$NOTIFY_WALLETS" "$TRANSFER_SECONDS"
DB=bench_notify
URL="$(db_url $DB)"
HTTP_DB=bench_notify_http  # the baseline's: its events never reach a queue
HTTP_URL="$(db_url $HTTP_DB)"
CEILING_BIN="$BUILD_DIR/bench/walletctl-bench-ceiling"
rabbitmqctl() { timeout 60 /usr/lib/rabbitmq/bin/rabbitmqctl -q "$@"; }
psql_value() { psql -tA "$URL" -c "$1"; }

log "notify benchmark: a backlog of $NOTIFY_EVENTS transfer events among $NOTIFY_WALLETS wallets, $RUNS runs"
funded_wallets_db $DB "$NOTIFY_WALLETS" "$WORK/ids"
funded_wallets_db $HTTP_DB "$NOTIFY_WALLETS" "$WORK/http-ids"
start_and_wait webhook "$CEILING_BIN" 0 32
WEBHOOK="http://127.0.0.1:$STARTED_PORT/hook"

# The baseline: HTTP transfers per second, as `scripts/bench transfers` measures them.
SECRET=$(api_secret "$HTTP_URL" write)
start_bench_serve "$HTTP_URL" "80"
SERVE_PID=$STARTED_PID
transfer_rates=""
for run in $(seq 1 "$RUNS"); do
  BENCH_IDS="$WORK/http-ids" BENCH_SECRET="$SECRET" BENCH_RUN_ID="notify-$run-$$" BENCH_HOT_ID="" BENCH_PENDING=0 BENCH_METADATA=0 \
    wrk -t 2 -c 64 -d "${TRANSFER_SECONDS}s" --timeout 10s -s "$WALLET_ROOT/bench/transfers.lua" \
    "http://127.0.0.1:$STARTED_PORT" > "$WORK/wrk.out"
  rate=$(awk '$1 == "BENCH" {printf "%d", $2 / $3}' "$WORK/wrk.out")
  transfer_rates+="$rate "
  log "  run $run: HTTP transfers $rate/s"
done
kill -TERM "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true
admin "DROP DATABASE $HTTP_DB WITH (FORCE)"

# A serve with its outbox relay on, left to publish what the replay wrote.
relay() {
  start_and_wait relay env DATABASE_URL="$URL" "$BIN" --set http.listen=127.0.0.1:0 --set log.level=warn \
    --set withdrawals.enabled=false serve
  local pid=$STARTED_PID deadline=$((SECONDS + 600))
  until [[ $(psql_value "SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0 ]]; do
    ((SECONDS < deadline)) || { log "the outbox was not relayed within 600 s"; exit 1; }
    sleep 0.5  # polling the outbox the relay empties
  done
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
}
relay  # the funding charges' events, before notify's queue exists

event_rates=""
for run in $(seq 1 "$RUNS"); do
  rabbitmqctl delete_queue wallet.notifications >/dev/null 2>&1 || true
  # notify declares and binds its queue, then stops: the backlog waits in the queue for it.
  DATABASE_URL="$URL" "$BIN" --set notify.webhook_url="$WEBHOOK" notify > "$WORK/declare.out" 2>&1 &
  pid=$!; PIDS+=("$pid")
  until grep -q 'notify consuming' "$WORK/declare.out"; do sleep 0.05; done  # polling its ready line
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  awk -v n="$NOTIFY_EVENTS" -v run="$run" 'BEGIN {srand(run); print "op,wallet_id,to_wallet_id,amount"}
    NR == FNR {ids[NR] = $1; count = NR; next}
    END {for (i = 0; i < n; i++) {a = int(rand() * count) + 1; b = a % count + 1; print "transfer," ids[a] "," ids[b] ",1"}}' \
    "$WORK/ids" "$WORK/ids" > "$WORK/transfers.csv"
  DATABASE_URL="$URL" "$BIN" replay "$WORK/transfers.csv" --quiet >/dev/null 2>&1
  relay
  # The broker's queue statistics lag by seconds: polled until they show the whole backlog.
  deadline=$((SECONDS + 60))
  until waiting=$(rabbitmqctl list_queues name messages | awk '$1 == "wallet.notifications" {print $2}');
        (( waiting >= NOTIFY_EVENTS )); do
    ((SECONDS < deadline)) || { log "only $waiting events reached the notifications queue"; exit 1; }
    sleep 1  # polling the broker's statistics
  done
  started=$(date +%s.%N)
  DATABASE_URL="$URL" "$BIN" --set notify.webhook_url="$WEBHOOK" --set notify.metrics_listen=127.0.0.1:0 \
    --set notify.prefetch="${BENCH_NOTIFY_PREFETCH:-500}" --set notify.concurrency="${BENCH_NOTIFY_LANES:-8}" \
    --set log.level=warn notify > "$WORK/notify.out" 2>&1 &
  pid=$!; PIDS+=("$pid")
  until grep -q 'metrics on http://' "$WORK/notify.out"; do sleep 0.05; done  # polling its ready line
  metrics="$(sed -n 's|.*metrics on \(http://[^ ]*\).*|\1|p' "$WORK/notify.out" | head -n 1)/metrics"
  deadline=$((SECONDS + 600))
  while :; do
    told=$(curl -s "$metrics" | awk -F'[{}" ]+' '/^walletctl_notifications_total/ {n += $NF} END {print n + 0}')
    (( told >= waiting )) && break
    ((SECONDS < deadline)) || { log "notify told $told of $waiting within 600 s"; exit 1; }
    sleep 0.2  # polling notify's counters
  done
  elapsed=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN {print b - a}')
  cpu=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / hz}' "/proc/$pid/stat")
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  rate=$(awk -v n="$waiting" -v s="$elapsed" 'BEGIN {printf "%d", n / s}')
  event_rates+="$rate "
  log "  run $run: notify told $waiting events in $(printf '%.1f' "$elapsed") s: $rate events/s, notify's CPU $cpu s"
done
rabbitmqctl delete_queue wallet.notifications >/dev/null 2>&1 || true
# The stack's queue of every event ([rabbitmq] events_queue) got each of the backlogs too: a
# broker restarting with hundreds of thousands of messages took long enough to stall a test.
rabbitmqctl purge_queue wallet.events.all >/dev/null 2>&1 || true

med() { printf '%s\n' $1 | median; }
T=$(med "$transfer_rates")
E=$(med "$event_rates")
printf '\n%-52s %12s %12s\n' "scenario" "per second" "ratio"
printf '%-52s %12.0f %12s\n' "HTTP transfers, 64 clients (events made)" "$T" "1.00"
printf '%-52s %12.0f %12s\n' "notify draining $NOTIFY_EVENTS events, ${BENCH_NOTIFY_LANES:-8} webhook lanes" "$E" "$(div "$E" "$T") transfers"
printf '\nmedians of %s runs; goal: notify >= 2x the transfer rate\n' "$RUNS"
