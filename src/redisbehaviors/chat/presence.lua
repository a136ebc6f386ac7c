-- Presence of a room: prune members whose heartbeat is too old, then beat, leave or just read.
-- KEYS[1] the room's presence sorted set (member -> server time in ms of its last heartbeat)
-- ARGV[1] the room's live channel   ARGV[2] room   ARGV[3] presence ttl in ms
-- ARGV[4] action: "beat", "leave" or "read"   ARGV[5] member name (ignored by "read")
-- Reply: the members online after the call, oldest heartbeat first.
-- Members pruned here are announced with reason "timeout", a new member with "join", a leave with
-- "leave". Server time (TIME) decides, so clients with skewed clocks agree on who is online.
local now = now_ms()
local ttl = tonumber(ARGV[3])
local cutoff = now - ttl

local function announce(name, online, reason)
  redis.call('PUBLISH', ARGV[1], cjson.encode({v = 1, type = 'presence', room = ARGV[2], name = name,
    online = online, reason = reason, time = now}))
end

local expired = redis.call('ZRANGE', KEYS[1], '-inf', cutoff, 'BYSCORE')
if #expired > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', cutoff)
  for _, name in ipairs(expired) do
    announce(name, false, 'timeout')
  end
end

if ARGV[4] == 'beat' then
  if redis.call('ZADD', KEYS[1], now, ARGV[5]) == 1 then
    announce(ARGV[5], true, 'join')
  end
  -- The whole set goes away two ttls after anyone's last heartbeat: members stay prunable (and their
  -- timeout announced) for one ttl after they expire, and an abandoned room leaves no key behind.
  -- int(): a Lua number would reach PEXPIRE as "3e+10"-style text for large ttls, which it refuses.
  redis.call('PEXPIRE', KEYS[1], int(2 * ttl))
elseif ARGV[4] == 'leave' then
  if redis.call('ZREM', KEYS[1], ARGV[5]) == 1 then
    announce(ARGV[5], false, 'leave')
  end
end
return redis.call('ZRANGE', KEYS[1], 0, -1)
