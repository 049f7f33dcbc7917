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
