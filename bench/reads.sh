# scripts/bench reads: GET /wallets/{id} throughput and p99 latency with the balance cache on
# and off, against the ceiling of this HTTP stack (bench/ceiling_server.cpp: cpp-httplib set up
# as serve sets it up, answering a fixed body). wrk drives all three the same way, over
# BENCH_READ_WALLETS wallets picked at random. Sourced by scripts/bench after bench/common.sh.
READ_SECONDS="${BENCH_READ_SECONDS:-10}"
READ_CONNECTIONS="${BENCH_READ_CONNECTIONS:-32}"
READ_WALLETS="${BENCH_READ_WALLETS:-1000}"
positive_integers "$READ_SECONDS" "$READ_CONNECTIONS" "$READ_WALLETS"
(( READ_CONNECTIONS <= 64 )) || { log "BENCH_READ_CONNECTIONS must be at most 64 (the servers' threads)"; exit 2; }
CEILING_BIN="$BUILD_DIR/bench/walletctl-bench-ceiling"
DB=bench_reads
URL="$(db_url $DB)"
# walletctl serve as a fleet would run it for reads: API keys checked (one key, its rate limit
# lifted), request logging at warn, no publisher or workers (they do not touch this path).
start_serve() {
  local name=$1; shift
  start_and_wait "$name" env DATABASE_URL="$URL" "$BIN" --set http.listen=127.0.0.1:0 --set log.level=warn \
    --set withdrawals.enabled=false --set rabbitmq.enabled=false --set auth.rate_per_second=1000000 \
    --set auth.rate_burst=1000000 "$@" serve
}

# Prints "requests_per_second p99_ms" for one wrk run against a port.
wrk_once() {
  local port=$1 seconds=$2
  BENCH_IDS="$WORK/ids" BENCH_SECRET="$SECRET" wrk -t 2 -c "$READ_CONNECTIONS" -d "${seconds}s" --latency -s "$WORK/reads.lua" \
    "http://127.0.0.1:$port" > "$WORK/wrk.out"
  if grep -q 'Non-2xx' "$WORK/wrk.out"; then
    log "wrk saw errors on port $port:"; cat "$WORK/wrk.out" >&2; exit 1
  fi
  awk '/^Requests\/sec:/ {rps = $2}
       $1 == "99%" {v = $2; unit = v; sub(/[0-9.]+/, "", unit); sub(/[a-z]+$/, "", v);
                    p99 = (unit == "us") ? v / 1000 : (unit == "s") ? v * 1000 : v}
       END {printf "%d %.2f\n", rps, p99}' "$WORK/wrk.out"
}

fresh_db $DB
{
  echo "op,user_id,amount"
  for i in $(seq 1 "$READ_WALLETS"); do echo "charge,reader-$i,$((i * 100))"; done
} > "$WORK/wallets.csv"
DATABASE_URL="$URL" "$BIN" replay "$WORK/wallets.csv" --quiet >/dev/null
psql -tA "$URL" -c "SELECT id FROM wallets WHERE kind = 'user'" > "$WORK/ids"
SECRET=$(api_secret "$URL" read)
cat > "$WORK/reads.lua" <<'LUA'
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS")) do ids[#ids + 1] = line end
local headers = {["Authorization"] = "Bearer " .. os.getenv("BENCH_SECRET")}
request = function() return wrk.format("GET", "/wallets/" .. ids[math.random(#ids)], headers) end
LUA

start_and_wait ceiling "$CEILING_BIN" 0 64
CEILING_PORT=$STARTED_PORT
start_serve cached
CACHED_PORT=$STARTED_PORT
start_serve uncached --set redis.enabled=false
UNCACHED_PORT=$STARTED_PORT

log "reads benchmark: $READ_WALLETS wallets, wrk -t2 -c$READ_CONNECTIONS, ${READ_SECONDS}s per run, $RUNS runs"
for port in "$CEILING_PORT" "$CACHED_PORT" "$UNCACHED_PORT"; do wrk_once "$port" 3 >/dev/null; done  # warm-up
declare -A rps p99
for run in $(seq 1 "$RUNS"); do
  for target in ceiling cached uncached; do
    port_var="${target^^}_PORT"
    read -r r p <<< "$(wrk_once "${!port_var}" "$READ_SECONDS")"
    rps[$target]+="$r "
    p99[$target]+="$p "
    log "  run $run, $target: $r requests/s, p99 $p ms"
  done
done
med() { printf '%s\n' $1 | median; }
CEILING_RPS=$(med "${rps[ceiling]}")
printf '\n%-40s %12s %10s %11s\n' "scenario" "requests/s" "p99 ms" "÷ ceiling"
for target in ceiling cached uncached; do
  case $target in
    ceiling) label="ceiling: cpp-httplib, fixed body" ;;
    cached) label="GET /wallets/{id}, cache on" ;;
    uncached) label="GET /wallets/{id}, cache off" ;;
  esac
  r=$(med "${rps[$target]}")
  printf '%-40s %12.0f %10.2f %11s\n' "$label" "$r" "$(med "${p99[$target]}")" "$(div "$r" "$CEILING_RPS")"
done
metrics=$(curl -s -H "Authorization: Bearer $SECRET" "http://127.0.0.1:$CACHED_PORT/metrics")
hits=$(awk '/^walletctl_cache_lookups_total\{result="hit"\}/ {print $2}' <<< "$metrics")
misses=$(awk '/^walletctl_cache_lookups_total\{result="miss"\}/ {print $2}' <<< "$metrics")
statuses=$(grep -c '^walletctl_http_requests_total{route="/wallets/{id}",method="GET",status="200"}' <<< "$metrics" || true)
[[ "$statuses" == 1 ]] || { log "the cached server answered no 200s: check the API key"; exit 1; }
printf '\ncache on ÷ cache off: %sx; cache hit ratio %s\n' "$(div "$(med "${rps[cached]}")" "$(med "${rps[uncached]}")")" \
  "$(div "$hits" "$((hits + misses))")"
printf 'medians of %s runs; goal: cache on >= 0.60 of the ceiling\n' "$RUNS"
