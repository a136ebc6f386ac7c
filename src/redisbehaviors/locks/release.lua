-- Compare-and-delete: release the lock only if it still holds the caller's token, and wake one waiter.
-- KEYS[1] lock string   KEYS[2] wake-up list   KEYS[3] "someone is waiting" marker
-- KEYS[4] this call's operation record (same hash tag)
-- ARGV[1] the caller's secret token   ARGV[2] how long an unclaimed wake-up is kept, in ms
-- ARGV[3] how long the operation record is kept, in ms
-- Reply: 1 released; 0 the lock is gone or someone else holds it (nothing was changed).
-- A plain DEL could delete the lock of the next holder after ours expired: hence the GET first.
-- A retry of a release whose reply was lost finds the lock gone: the record of this call's operation
-- id says it released, so it replies 1 again instead of "not held" (see redisbehaviors/idempotency.py).
local done = op_replay(KEYS[4])
if done then
  return done
end
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
return op_record(KEYS[4], 1, ARGV[3])
