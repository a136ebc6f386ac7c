-- Try to take the lock once, and issue its fencing token in the same atomic step.
-- KEYS[1] lock string   KEYS[2] fence counter   KEYS[3] "someone is waiting" marker
-- ARGV[1] the new holder's secret token   ARGV[2] lease TTL in ms
-- ARGV[3] when the try fails, keep the waiting marker at least this many ms (0: the caller will not wait)
-- Reply: {1, fencing token} when taken; {0, PTTL of the current holder} when not (-1: it has no TTL).
-- The token is issued only on success and by INCR of a counter that never expires, so tokens of
-- one lock are strictly increasing across holders, however the leases end.
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1, redis.call('INCR', KEYS[2])}
end
-- The lock holds the caller's own token: this is a retry of a call that took it and whose reply was
-- lost (the token is fresh per call, so nobody else has it).  Reply as the first run did: nobody
-- can have taken the lock since, so the counter still holds the fence it issued then.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  local fence = redis.call('GET', KEYS[2])
  if fence then
    return {1, tonumber(fence)}
  end
end
local mark = tonumber(ARGV[3])
if mark > 0 and redis.call('PTTL', KEYS[3]) < mark then
  redis.call('SET', KEYS[3], '1', 'PX', mark)
end
return {0, redis.call('PTTL', KEYS[1])}
