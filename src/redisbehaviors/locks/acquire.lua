-- Try to take the lock once, and issue its fencing token in the same atomic step.
-- KEYS[1] lock string   KEYS[2] fence counter
-- ARGV[1] the new holder's secret token   ARGV[2] lease TTL in ms
-- Reply: {1, fencing token} when taken; {0, PTTL of the current holder} when not (-1: it has no TTL).
-- The token is issued only on success and by INCR of a counter that never expires, so tokens of
-- one lock are strictly increasing across holders, however the leases end.
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1, redis.call('INCR', KEYS[2])}
end
return {0, redis.call('PTTL', KEYS[1])}
