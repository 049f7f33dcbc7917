# scripts/bench replay: settlement replay of one generated file by this build and by a baseline
# build (another commit, built once into build-baseline/<commit>/), runs alternating so that
# both see the same machine; then a large file by this build for its peak memory; and
# pgbench's TPC-B-like transaction on the same PostgreSQL. Sourced by scripts/bench after
# bench/common.sh.
ROWS_SMALL="${BENCH_ROWS_SMALL:-100000}"
ROWS_LARGE="${BENCH_ROWS_LARGE:-1000000}"
WALLETS="${BENCH_WALLETS:-10000}"
# The build before issue 25's replay work (binary array parameters): the figure to double.
BASELINE_REF="${BENCH_BASELINE_REF:-518c7b3}"
positive_integers "$ROWS_SMALL" "$ROWS_LARGE" "$WALLETS"

# The walletctl of commit $1, built from `git archive` of it (no worktree, nothing in the
# checkout changes) as scripts/build builds the checkout; kept, so a second run reuses it.
# Prints its path.
baseline_build() {
  local commit dir
  commit=$(git -C "$WALLET_ROOT" rev-parse --verify --quiet "$1^{commit}") \
    || { log "BENCH_BASELINE_REF '$1' is not a commit of this repository"; exit 2; }
  dir="$WALLET_ROOT/build-baseline/$commit"
  if [[ ! -x "$dir/build/walletctl" ]]; then
    log "building the baseline walletctl of $1 (${commit:0:10}) in $dir (once)"
    rm -rf "$dir/src" && mkdir -p "$dir/src"
    git -C "$WALLET_ROOT" archive "$commit" | tar -x -C "$dir/src"
    ln -s "$WALLET_ROOT/.cache" "$dir/src/.cache"  # what scripts/bootstrap fetched (the Swagger UI)
    configure_tree_of "$dir/src" "$dir/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
    build_tree "$dir/build" walletctl >&2 || { log "the baseline build of $1 failed"; exit 1; }
  fi
  echo "$dir/build/walletctl"
}
BASELINE_BIN=$(baseline_build "$BASELINE_REF")

pgbench_baseline

# A migrated database $1 with the generator's wallets and a file of $2 rows for it at $3.
# Replays run on copies of it (CREATE DATABASE ... TEMPLATE), so every run of either build
# replays the same file into the same ledger.
seed_db() {
  fresh_db "$1"
  DATABASE_URL="$(db_url "$1")" "$GEN_SETTLEMENT_BIN" --rows "$2" --wallets "$WALLETS" --out "$3"
}

# One replay by binary $1 (called $4 in the log) of file $2 into a copy of seed database $3;
# prints "rows_per_second peak_rss_kib". Each build reads the wallet.toml of its own source: an
# older one refuses keys added since.
replay_once() {
  local bin=$1 file=$2 seed=$3 name=$4 db=bench_replay config="$WALLET_ROOT/wallet.toml"
  [[ $bin == "$BIN" ]] || config="${bin%/build/walletctl}/src/wallet.toml"
  admin "DROP DATABASE IF EXISTS $db WITH (FORCE)"
  admin "CREATE DATABASE $db TEMPLATE $seed OWNER wallet_owner"
  DATABASE_URL="$(db_url $db)" WALLET_CONFIG="$config" /usr/bin/time -f "%M" -o "$WORK/rss" \
    "$bin" --output json replay "$file" --quiet > "$WORK/summary.json"
  DATABASE_URL="$(db_url $db)" "$BIN" audit >/dev/null || { log "audit failed after the replay"; exit 1; }
  local rate bad
  rate=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(round(s["rows_per_second"]))' "$WORK/summary.json")
  bad=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["refused"] + s["invalid"])' "$WORK/summary.json")
  log "  $name, $(( $(wc -l < "$file") - 1 )) rows: $rate rows/s, peak RSS $(( $(cat "$WORK/rss") / 1024 )) MiB, $bad refused or invalid rows"
  admin "DROP DATABASE $db WITH (FORCE)"
  echo "$rate $(cat "$WORK/rss")"
}

log "replay benchmark: $WALLETS wallets; baseline build $BASELINE_REF; pgbench TPC-B-like: median $PGBENCH_TPS TPS"
seed_db bench_replay_small "$ROWS_SMALL" "$WORK/small.csv"
ours=() theirs=()
for _ in $(seq 1 "$RUNS"); do
  theirs+=("$(replay_once "$BASELINE_BIN" "$WORK/small.csv" bench_replay_small "baseline $BASELINE_REF")")
  ours+=("$(replay_once "$BIN" "$WORK/small.csv" bench_replay_small "this build")")
done
admin "DROP DATABASE bench_replay_small WITH (FORCE)"
seed_db bench_replay_large "$ROWS_LARGE" "$WORK/large.csv"
large="$(replay_once "$BIN" "$WORK/large.csv" bench_replay_large "this build")"
admin "DROP DATABASE bench_replay_large WITH (FORCE)"

# The median of field $1 of the "rows_per_second peak_rss_kib" lines that follow.
median_of() { local field=$1; shift; printf '%s\n' "$@" | awk -v f="$field" '{print $f}' | median; }
SMALL_RATE=$(median_of 1 "${ours[@]}")
BASE_RATE=$(median_of 1 "${theirs[@]}")
SMALL_RSS=$(median_of 2 "${ours[@]}")
BASE_RSS=$(median_of 2 "${theirs[@]}")
read -r LARGE_RATE LARGE_RSS <<< "$large"

printf '\n%-34s %10s %14s %12s %12s\n' "scenario" "rows/s" "peak RSS MiB" "÷ baseline" "÷ pgbench"
printf '%-34s %10s %14s %12s %12s\n' "pgbench tpcb-like -c8 -j2" "$PGBENCH_TPS" "-" "-" "1.00"
printf '%-34s %10s %14.1f %12s %12.2f\n' "baseline $BASELINE_REF, $ROWS_SMALL rows" "$BASE_RATE" \
  "$(div "$BASE_RSS" 1024)" "1.00" "$(div "$BASE_RATE" "$PGBENCH_TPS")"
printf '%-34s %10s %14.1f %12.2f %12.2f\n' "this build, $ROWS_SMALL rows" "$SMALL_RATE" \
  "$(div "$SMALL_RSS" 1024)" "$(div "$SMALL_RATE" "$BASE_RATE")" "$(div "$SMALL_RATE" "$PGBENCH_TPS")"
printf '%-34s %10s %14.1f %12s %12.2f\n' "this build, $ROWS_LARGE rows" "$LARGE_RATE" \
  "$(div "$LARGE_RSS" 1024)" "-" "$(div "$LARGE_RATE" "$PGBENCH_TPS")"
printf '\nrun by run (rows/s), baseline: %s; this build: %s\n' \
  "$(printf '%s ' "${theirs[@]}" | awk '{for (i = 1; i <= NF; i += 2) printf "%s ", $i}')" \
  "$(printf '%s ' "${ours[@]}" | awk '{for (i = 1; i <= NF; i += 2) printf "%s ", $i}')"
printf 'peak memory, %s rows vs %s rows: %.2fx\n' "$ROWS_LARGE" "$ROWS_SMALL" "$(div "$LARGE_RSS" "$SMALL_RSS")"
printf 'medians of %s runs, alternating builds; goals: >= 2x the baseline build, peak memory < 64 MiB\n' "$RUNS"
