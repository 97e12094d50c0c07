"""The Lua scripts that make Redis writes and leases atomic.

Each runs inside Redis as one step, so no other worker's command can slip between its
read and its write.
"""

from __future__ import annotations

# KEYS: entry, meta, index. ARGV: entry JSON, its fetched_at, expiry ms, meta JSON or "".
# Writes the entry only if the stored one is older (or absent or unreadable): a slow
# refresh can never overwrite a newer entry. Both keys are recorded in the index, a sorted
# set scored by expiry time (Redis's clock), trimmed of expired keys on every write and
# itself expiring no sooner than its longest-lived member; `purge` empties what it lists.
WRITE_IF_NEWER = """
local current = redis.call('GET', KEYS[1])
if current then
  local ok, stored = pcall(cjson.decode, current)
  if ok and type(stored) == 'table' and tonumber(stored['fetched_at']) ~= nil
      and tonumber(stored['fetched_at']) >= tonumber(ARGV[2]) then
    return 0
  end
end
local px = tonumber(ARGV[3])
redis.call('SET', KEYS[1], ARGV[1], 'PX', px)
if ARGV[4] ~= '' then
  redis.call('SET', KEYS[2], ARGV[4], 'PX', px)
else
  redis.call('DEL', KEYS[2])
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', KEYS[3], now + px, KEYS[1], now + px, KEYS[2])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
if redis.call('PTTL', KEYS[3]) < px then
  redis.call('PEXPIRE', KEYS[3], px)
end
return 1
"""

# KEYS: lease. ARGV: owner token, expiry ms. Extends the lease only for its owner.
RENEW_LEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

# KEYS: lease. ARGV: owner token. Compare-and-delete: a lease that expired and was taken
# by another worker is not released by the first.
RELEASE_LEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""
