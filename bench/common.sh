# What every benchmark scenario shares: settings checks, the build, the local stack, a scratch
# folder and small helpers. Sourced by scripts/bench.
RUNS="${BENCH_RUNS:-3}"
positive_integers() {
  for v in "$@"; do
    [[ "$v" =~ ^[1-9][0-9]*$ ]] || { log "BENCH_* settings must be positive integers, got '$v'"; exit 2; }
  done
}
positive_integers "$RUNS"

"$WALLET_ROOT/scripts/bootstrap" "${BENCH_PACKAGES[@]}"
"$WALLET_ROOT/scripts/build"
eval "$("$WALLET_ROOT/scripts/stack" up)"
BIN="$BUILD_DIR/walletctl"
GEN_SETTLEMENT_BIN="$BUILD_DIR/bench/walletctl-gen-settlement"
WORK="$(mktemp -d /tmp/walletctl-bench-XXXXXX)"
PIDS=()  # servers a scenario started: stopped (by pid) on exit
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
admin() { PGOPTIONS="-c client_min_messages=warning" psql -q -v ON_ERROR_STOP=1 "$DATABASE_ADMIN_URL" -c "$1" >/dev/null; }
db_url() { printf '%s/%s' "${DATABASE_URL%/*}" "$1"; }
owner_db_url() { printf '%s/%s' "${DATABASE_OWNER_URL%/*}" "$1"; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
# A new database owned by the owner role, migrated, with the application role granted.
fresh_db() {
  admin "DROP DATABASE IF EXISTS $1 WITH (FORCE)"
  admin "CREATE DATABASE $1 OWNER wallet_owner"
  DATABASE_URL="$(db_url "$1")" DATABASE_OWNER_URL="$(owner_db_url "$1")" "$BIN" migrate >/dev/null
}

# A fresh database $1 with $2 user wallets (users payee-1 ... payee-N), each charged 10,000,000.00
# by replay; their ids, one a line, in the file $3.
funded_wallets_db() {
  fresh_db "$1"
  {
    echo "op,user_id,amount"
    for i in $(seq 1 "$2"); do echo "charge,payee-$i,1000000000"; done
  } > "$WORK/wallets-$1.csv"
  DATABASE_URL="$(db_url "$1")" "$BIN" replay "$WORK/wallets-$1.csv" --quiet >/dev/null 2>&1
  psql -tA "$(db_url "$1")" -c "SELECT id FROM wallets WHERE kind = 'user'" > "$3"
}

# Baseline: PostgreSQL's own TPC-B-like transaction ("move money between accounts"), pgbench
# -M prepared -c 8 -j 2 at scale 10; sets PGBENCH_TPS to the median of three runs of
# BENCH_PGBENCH_SECONDS (15) each.
pgbench_baseline() {
  local seconds="${BENCH_PGBENCH_SECONDS:-15}" pgb="$PG_BIN/pgbench" tps=()
  positive_integers "$seconds"
  admin "DROP DATABASE IF EXISTS bench_pgbench WITH (FORCE)"
  admin "CREATE DATABASE bench_pgbench OWNER wallet"
  "$pgb" -q -i -s 10 "$(db_url bench_pgbench)" >/dev/null 2>&1
  for _ in 1 2 3; do
    tps+=("$("$pgb" -M prepared -c 8 -j 2 -T "$seconds" -b tpcb-like -n "$(db_url bench_pgbench)" 2>/dev/null \
      | awk '/^tps/ {print $3; exit}')")
  done
  PGBENCH_TPS=$(printf "%s\n" "${tps[@]}" | median | awk "{printf \"%d\", \$1}")
  admin "DROP DATABASE bench_pgbench WITH (FORCE)"
}

# Starts a server in the background and waits for the address it prints; sets STARTED_PORT
# and STARTED_PID.
start_and_wait() {
  local name=$1; shift
  : > "$WORK/$name.out"  # there before the first grep, however late the background shell opens it
  "$@" > "$WORK/$name.out" 2> "$WORK/$name.err" &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  local deadline=$((SECONDS + 30))
  until grep -q 'listening on http://' "$WORK/$name.out"; do
    ((SECONDS < deadline)) || { log "$name did not start"; cat "$WORK/$name.err" >&2; exit 1; }
    sleep 0.05  # polling the file the server prints its address to
  done
  STARTED_PORT=$(sed -n 's|.*listening on http://[^ ]*:\([0-9]*\).*|\1|p' "$WORK/$name.out" | head -n 1)
}

# `walletctl serve` on database URL $1 as the HTTP benchmarks run it: $2 request threads, API
# keys checked with a rate no run reaches, the balance cache on, no withdrawal pool and no event
# publisher (events wait in the outbox). Sets STARTED_PORT and STARTED_PID.
start_bench_serve() {
  start_and_wait serve env DATABASE_URL="$1" "$BIN" --set http.listen=127.0.0.1:0 --set log.level=warn \
    --set http.threads="$2" --set withdrawals.enabled=false --set rabbitmq.enabled=false \
    --set auth.rate_per_second=1000000 --set auth.rate_burst=1000000 serve
}

# A secret of a new API key of the given scope on database URL $1.
api_secret() {
  DATABASE_URL="$1" "$BIN" --output json apikey create --name bench --scope "$2" 2>/dev/null \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])'
}
