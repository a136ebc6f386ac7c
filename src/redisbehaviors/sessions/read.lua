-- Read a live session and slide its idle expiry (reads never refresh a TTL by themselves).
-- KEYS[1] the session hash
-- ARGV[1..] field names to read; none means every field
-- Reply: nil when the session is gone, else
--   {user, created ms, absolute deadline ms, idle ms, expires in ms, values}
--   where values is the HGETALL array (no names given) or the HMGET array (names given).
local now = now_ms()
local meta = redis.call('HMGET', KEYS[1], '~user', '~created', '~deadline', '~idle')
if not meta[1] then
  return nil -- gone, or a stray hash without the store's meta fields: not a session
end
local deadline, idle = tonumber(meta[3]), tonumber(meta[4])
if deadline <= now then
  redis.call('DEL', KEYS[1])
  return nil
end
local ttl = math.min(idle, deadline - now)
redis.call('PEXPIRE', KEYS[1], ttl)
local values
if #ARGV == 0 then
  values = redis.call('HGETALL', KEYS[1])
else
  values = redis.call('HMGET', KEYS[1], unpack(ARGV))
end
return {meta[1], tonumber(meta[2]), deadline, idle, ttl, values}
