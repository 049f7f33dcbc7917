#!/usr/bin/env bash
# The private stack: what `scripts/stack env` prints reaches every service (rabbitmqctl
# included, as root), and `scripts/stack stop/start SERVICE` keeps the service's data.
set -euo pipefail
root="$1"
eval "$("$root/scripts/stack" env)"
fail() { echo "FAIL: $*" >&2; exit 1; }

[[ "$(psql "$DATABASE_URL" -Atc 'SELECT current_user')" == wallet ]] || fail "DATABASE_URL is not the application role"
[[ "$(psql "$DATABASE_OWNER_URL" -Atc 'SELECT current_user, pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()')" == "wallet_owner|wallet_owner" ]] \
  || fail "DATABASE_OWNER_URL is not the owner role of the database"
[[ "$(psql "$DATABASE_URL" -Atc "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user")" == f ]] \
  || fail "the application role may create databases"
[[ "$(psql "$DATABASE_ADMIN_URL" -Atc 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user')" == t ]] \
  || fail "DATABASE_ADMIN_URL is not a superuser"
redis() { redis-cli -h "${REDIS_ADDR%:*}" -p "${REDIS_ADDR##*:}" "$@"; }
[[ "$(redis ping)" == PONG ]] || fail "REDIS_ADDR does not answer"
rabbitmqctl -q status >/dev/null 2>&1 || fail "rabbitmqctl cannot reach $RABBITMQ_NODENAME"

# Stopping and starting one service keeps its data.
redis set walletctl:stack-test kept >/dev/null
"$root/scripts/stack" stop redis
status=$("$root/scripts/stack" status || true)  # exits 1 while a service is down
grep -q '^redis  *down' <<< "$status" || fail "redis still up after stop"
"$root/scripts/stack" start redis
[[ "$(redis get walletctl:stack-test)" == kept ]] || fail "redis lost its data across stop/start"
redis del walletctl:stack-test >/dev/null

# Reproduced under CPU load: RabbitMQ's readiness probe timed out, `start` started a second node,
# which failed on the distribution port and deleted the running node's pid file, leaving the
# stack reporting rabbitmq down for good. A frozen node stands for the slow one here.
pid_file="$root/.stack/rabbitmq/rabbitmq.pid"
node=$(cat "$pid_file")
kill -STOP "$node"
STACK_RABBIT_READY_SECONDS=2 STACK_RABBIT_START_SECONDS=3 "$root/scripts/stack" start rabbitmq 2>/dev/null || true
kill -CONT "$node"
[[ "$(cat "$pid_file" 2>/dev/null)" == "$node" ]] || fail "start while the node was slow replaced its pid file"
"$root/scripts/stack" start rabbitmq  # ready again: returns at once
rabbitmqctl -q status >/dev/null 2>&1 || fail "rabbitmq is not up after the slow spell"
echo "1 passed, 0 failed"
