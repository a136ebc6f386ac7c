-- Change fields of a live session, and slide its idle expiry; never touch a session that is gone.
-- This check is what keeps a revoked session revoked: a plain HSET that arrives after the DEL
-- (a slow request still holding the old token) would create a fresh hash, with no TTL at all.
-- KEYS[1] the session hash
-- ARGV[1] 'set' (ARGV[2..] = field, value, …) or 'del' (ARGV[2..] = field names)
-- Reply: -1 when the session is gone (nothing written), else the number of fields added or removed
local now = now_ms()
local meta = redis.call('HMGET', KEYS[1], '~deadline', '~idle')
if not meta[1] then
  return -1
end
local deadline, idle = tonumber(meta[1]), tonumber(meta[2])
if deadline <= now then
  redis.call('DEL', KEYS[1])
  return -1
end
local changed
if ARGV[1] == 'set' then
  changed = redis.call('HSET', KEYS[1], unpack(ARGV, 2))
else
  changed = redis.call('HDEL', KEYS[1], unpack(ARGV, 2))
end
-- HSET and HDEL keep the TTL but never re-arm it (commands that alter a value without replacing it
-- leave the timeout untouched: https://redis.io/docs/latest/commands/expire/): a write is activity,
-- so slide
redis.call('PEXPIRE', KEYS[1], math.min(idle, deadline - now))
return changed
