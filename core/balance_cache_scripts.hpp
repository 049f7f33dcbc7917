// The Lua scripts of the balance cache's writes. Each runs atomically inside Redis, which is what
// makes "a fill never overwrites a newer version" hold against concurrent writers. Reads are
// plain pipelined commands (BalanceCache::read_entry).
//
// Layout: `<prefix>epoch` holds the current epoch, a random string; `<prefix>w:<wallet id>` is
// a hash {e: epoch, v: version, u: valid-until (Redis clock, ms; 0: no hold to release), d: the
// wallet's API JSON, empty in a tombstone}; `<prefix>u:<currency>:<user id>` is a hash
// {e: epoch, id: wallet id}. An entry of another epoch counts as absent, so replacing the
// epoch forgets everything at once.
#pragma once

namespace wallet::cache_scripts {

// KEYS[1] epoch, KEYS[2] wallet key, KEYS[3] (optional) user key to point at the wallet.
// ARGV[1] the epoch the reader saw before it read PostgreSQL, ARGV[2] the version it read,
// ARGV[3] ms until its next hold releases (-1: none), ARGV[4] the body, ARGV[5] TTL (ms),
// ARGV[6] the wallet id. Refused (0) when the epoch moved on or a newer version (or the
// tombstone of one) is there, of whatever epoch: a new epoch forgets old copies, never what
// a writer still in its transaction said is coming (its tombstone would otherwise count for
// nothing once anyone starts an epoch, and a reader could cache the balance before its commit).
// A copy of the same version may be replaced (held funds released).
inline constexpr const char* kFill = R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local current = redis.call('HMGET', KEYS[2], 'e', 'v')
if current[2] and tonumber(current[2]) > tonumber(ARGV[2]) then return 0 end
local valid_until = 0
local release_in = tonumber(ARGV[3])
if release_in >= 0 then
  local t = redis.call('TIME')
  valid_until = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + release_in
end
redis.call('HSET', KEYS[2], 'e', ARGV[1], 'v', ARGV[2], 'u', valid_until, 'd', ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
if KEYS[3] then
  redis.call('HSET', KEYS[3], 'e', ARGV[1], 'id', ARGV[6])
  redis.call('PEXPIRE', KEYS[3], ARGV[5])
end
return 1
)lua";

// KEYS[1] epoch, KEYS[2..n] wallet keys. ARGV[1] a new epoch, started when there is none
// (a restarted Redis) and holding the tombstones at once,
// ARGV[2] TTL (ms), ARGV[3..n+1] the versions just committed, in KEYS order. Leaves a
// tombstone of each version (or of the newer one an older epoch's entry knew), so a fill of
// anything older is refused afterwards. Returns how many entries it replaced.
inline constexpr const char* kInvalidate = R"lua(
local epoch = redis.call('GET', KEYS[1])
if not epoch then
  epoch = ARGV[1]
  redis.call('SET', KEYS[1], epoch)
end
local replaced = 0
for i = 2, #KEYS do
  local version = ARGV[i + 1]
  local current = redis.call('HMGET', KEYS[i], 'e', 'v')
  local known = tonumber(current[2]) or -1
  if current[1] ~= epoch or known < tonumber(version) then
    if known > tonumber(version) then version = current[2] end
    redis.call('HSET', KEYS[i], 'e', epoch, 'v', version, 'u', 0, 'd', '')
    redis.call('PEXPIRE', KEYS[i], ARGV[2])
    replaced = replaced + 1
  end
end
return replaced
)lua";

}  // namespace wallet::cache_scripts
