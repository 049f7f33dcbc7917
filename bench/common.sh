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
WORK="$(mktemp -d /tmp/walletctl-bench-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
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
