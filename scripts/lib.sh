# Shared by scripts/*: where the checkout is, where the private stack lives, and its ports.
# Sourced, not run.
set -euo pipefail
WALLET_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK_DIR="$WALLET_ROOT/.stack"
BUILD_DIR="${BUILD_DIR:-$WALLET_ROOT/build}"

# Each checkout gets its own block of ten ports, derived from its path, so two checkouts on one
# machine (a developer's and a CI clone) never collide. STACK_PORT_BASE overrides it.
if [[ -z "${STACK_PORT_BASE:-}" ]]; then
  STACK_PORT_BASE=$(( 20000 + ($(printf '%s' "$WALLET_ROOT" | cksum | cut -d' ' -f1) % 900) * 10 ))
fi
[[ "$STACK_PORT_BASE" =~ ^[0-9]+$ ]] && (( STACK_PORT_BASE >= 1024 && STACK_PORT_BASE <= 65000 )) \
  || { echo "STACK_PORT_BASE must be a number from 1024 to 65000" >&2; exit 2; }
PG_PORT=$STACK_PORT_BASE
REDIS_PORT=$((STACK_PORT_BASE + 1))
AMQP_PORT=$((STACK_PORT_BASE + 2))
RABBIT_DIST_PORT=$((STACK_PORT_BASE + 3))
RABBIT_EPMD_PORT=$((STACK_PORT_BASE + 4))
RABBIT_CTL_PORT_MIN=$((STACK_PORT_BASE + 5))
RABBIT_CTL_PORT_MAX=$((STACK_PORT_BASE + 9))
RABBIT_NODENAME="walletctl${STACK_PORT_BASE}@localhost"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"

log() { printf '%s\n' "$*" >&2; }

# The stack's database, single node (scripts/stack) or formation (scripts/stack-ha). Least
# privilege: the owner role owns the database and runs migrations; the application role (serve
# and every other command) may only do what `walletctl migrate` grants it.
OWNER_ROLE=wallet_owner OWNER_PASSWORD=wallet_owner
APP_ROLE=wallet APP_PASSWORD=wallet
APP_DB=walletctl
# psql input creating the roles and the database where missing, so a restart of an old data
# folder is fine. A data folder from before the owner role, where the application role owned
# everything, is handed over to the owner once.
database_setup_sql() {
  cat <<SQL
SELECT 'CREATE ROLE $OWNER_ROLE LOGIN PASSWORD ''$OWNER_PASSWORD'''
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$OWNER_ROLE') \gexec
SELECT 'CREATE ROLE $APP_ROLE LOGIN PASSWORD ''$APP_PASSWORD'''
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$APP_ROLE') \gexec
ALTER ROLE $APP_ROLE NOCREATEDB;
SELECT 'CREATE DATABASE $APP_DB OWNER $OWNER_ROLE'
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$APP_DB') \gexec
SELECT 'ALTER DATABASE $APP_DB OWNER TO $OWNER_ROLE'
  WHERE (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '$APP_DB') <> '$OWNER_ROLE' \gexec
\c $APP_DB
REASSIGN OWNED BY $APP_ROLE TO $OWNER_ROLE;
SQL
}

# ccache (Debian) launches the compiler of every build tree (scripts/build, scripts/fuzz):
# sources compiled before, in this checkout or another on the machine (CI builds a fresh
# clone), come from the cache. Paths under the checkout are hashed relative to it (base_dir),
# and the working directory not at all (nohashdir), so two checkouts share entries; a source
# compiled with a path in it (tests/support/paths.cpp) still differs, and compiles again. A cold
# cache builds as before, only slower.
# Configures build tree $1 (source: the checkout) with the launcher and the cmake flags that
# follow, unless it is configured already. A configure that failed (e.g. a library not yet
# installed) leaves a cache but no Makefile; a tree made before ccache is configured again.
configure_tree() { configure_tree_of "$WALLET_ROOT" "$@"; }
# The same for the sources at $1 (another commit's, for bench replay's baseline) into tree $2;
# their paths are hashed relative to $1, so they share cache entries with the checkout.
configure_tree_of() {
  local source=$1 dir=$2; shift 2
  if [[ ! -f "$dir/Makefile" ]] || ! grep -q "^CMAKE_CXX_COMPILER_LAUNCHER:.*ccache" "$dir/CMakeCache.txt"; then
    cmake -S "$source" -B "$dir" -DCMAKE_CXX_COMPILER_LAUNCHER="env;CCACHE_BASEDIR=$source;CCACHE_NOHASHDIR=1;ccache" \
      "$@" >/dev/null
  fi
}
# Builds targets of tree $1 (all when none follow), showing warnings and errors but not progress.
build_tree() {
  local dir=$1; shift
  local targets=() status=0
  for t in "$@"; do targets+=(--target "$t"); done
  # The build's own status: with pipefail, grep finding nothing to show fails the pipe too.
  cmake --build "$dir" -j "$(nproc)" "${targets[@]}" 2>&1 \
    | grep -vE '^\[ *[0-9]+%\]|^(Consolidate|Scanning|Built target|gmake)' || status=${PIPESTATUS[0]}
  return "$status"
}

# Starts the private stack (scripts/stack up ARGS) and exports what it prints (DATABASE_URL and
# friends) into this shell; stops the calling script when the stack did not come up (a bare
# eval "$(scripts/stack up)" went on with the environment from before).
stack_up() {
  local env
  env=$("$WALLET_ROOT/scripts/stack" up "$@") || { log "$(basename "$0"): the stack did not come up"; exit 1; }
  eval "$env"
}
