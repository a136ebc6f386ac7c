-- Compare-and-delete: release the lock only if it still holds the caller's token, and wake one waiter.
-- KEYS[1] lock string   KEYS[2] wake-up list   KEYS[3] "someone is waiting" marker
-- ARGV[1] the caller's secret token   ARGV[2] how long an unclaimed wake-up is kept, in ms
-- Reply: 1 released; 0 the lock is gone or someone else holds it (nothing was changed).
-- A plain DEL could delete the lock of the next holder after ours expired: hence the GET first.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
-- Only when a waiter announced itself: one element wakes one BLPOP waiter; LTRIM keeps at most one
-- unclaimed wake-up (a waiter between its failed try and its BLPOP), which expires.
if redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('RPUSH', KEYS[2], '1')
  redis.call('LTRIM', KEYS[2], 0, 0)
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
return 1
