# The peer of `scripts/bench transfers`: pgledger, a ledger written as PostgreSQL functions (MIT,
# github.com/pgr0ss/pgledger). Its SQL is read from outside the project (BENCH_PGLEDGER_SQL,
# default ../shared/peers/pgledger/pgledger-all.sql beside the checkout) into a scratch
# database, 10,000 accounts are made, and pgbench drives pgledger_create_transfer between two at
# random from 20 clients, as its author benchmarks it. Sets PGLEDGER_TPS to the median of three
# runs of BENCH_PGBENCH_SECONDS, or leaves it empty (and says why) when the SQL is not there.
# Sourced by bench/transfers.sh.
pgledger_peer() {
  local sql="${BENCH_PGLEDGER_SQL:-$WALLET_ROOT/../shared/peers/pgledger/pgledger-all.sql}"
  local seconds="${BENCH_PGBENCH_SECONDS:-15}" url tps=()
  PGLEDGER_TPS=""
  if [[ ! -r $sql ]]; then
    log "  pgledger peer skipped: no SQL at $sql (set BENCH_PGLEDGER_SQL)"
    return 0
  fi
  admin "DROP DATABASE IF EXISTS bench_pgledger WITH (FORCE)"
  admin "CREATE DATABASE bench_pgledger OWNER wallet"
  url="$(db_url bench_pgledger)"
  PGOPTIONS="-c client_min_messages=warning" psql -q -v ON_ERROR_STOP=1 "$url" -f "$sql" >/dev/null
  psql -q -v ON_ERROR_STOP=1 "$url" >/dev/null <<'SQL'
CREATE TABLE bench_accounts (n int PRIMARY KEY, id text NOT NULL);
INSERT INTO bench_accounts SELECT n, (SELECT id FROM pgledger_create_account('acct-' || n, 'USD'))
FROM generate_series(1, 10000) n;
SQL
  cat > "$WORK/pgledger.sql" <<'SQL'
\set a random(1, 10000)
\set b random(1, 9999)
SELECT pgledger_create_transfer((SELECT id FROM bench_accounts WHERE n = :a),
  (SELECT id FROM bench_accounts WHERE n = (:a + :b - 1) % 10000 + 1), 1);
SQL
  for _ in 1 2 3; do
    tps+=("$("$PG_BIN/pgbench" -c 20 -j 2 -T "$seconds" -n -f "$WORK/pgledger.sql" "$url" 2>/dev/null \
      | awk '/^tps/ {print $3; exit}')")
  done
  PGLEDGER_TPS=$(printf "%s\n" "${tps[@]}" | median | awk '{printf "%d", $1}')
  admin "DROP DATABASE bench_pgledger WITH (FORCE)"
}
