-- Compare-and-pexpire: give the lease a new TTL only if the lock still holds the caller's token.
-- KEYS[1] lock string
-- ARGV[1] the caller's secret token   ARGV[2] new TTL in ms (replaces what was left)
-- Reply: 1 extended; 0 the lock is gone or someone else holds it (nothing was changed).
-- Idempotent by nature: a retry whose first run's reply was lost re-arms the same TTL from a moment later.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
