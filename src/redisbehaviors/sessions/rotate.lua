-- Rotate a session's token (against session fixation): the data moves to the new token, the old
-- token stops working, the user's index follows, all at once.  Absolute deadline unchanged.
-- KEYS[1] the old session hash   KEYS[2] the new session hash (same bucket, same slot)
-- KEYS[3] this call's operation record (same slot)
-- ARGV[1] the user index prefix (+ user id = the index key, same slot)
-- ARGV[2] the old token          ARGV[3] the new token   ARGV[4] how long the record is kept, ms
-- Reply: the new token when rotated, 0 the old session is gone, -1 the new token exists already
-- (nothing changed).  The record (operation id -> new token) makes a retry whose first reply was lost
-- reply the new token instead of "gone": without it the user was logged out, the new session orphaned.
-- It is keyed by the operation id, a secret of the call, not by the old token: whoever still holds
-- the old token (the point of rotating) cannot learn the new one by rotating again.
local done = op_replay(KEYS[3])
if done then
  return done
end
local now = now_ms()
local meta = redis.call('HMGET', KEYS[1], '~user', '~deadline', '~idle')
if not meta[1] then
  return 0
end
local deadline, idle = tonumber(meta[2]), tonumber(meta[3])
if deadline <= now then
  redis.call('DEL', KEYS[1])
  return 0
end
if redis.call('EXISTS', KEYS[2]) == 1 then
  return -1
end
-- RENAME moves the value and its TTL (redis/redis tests/unit/keyspace.tcl, "RENAME with volatile key,
-- should move the TTL as well"); the old name no longer exists
redis.call('RENAME', KEYS[1], KEYS[2])
redis.call('PEXPIRE', KEYS[2], math.min(idle, deadline - now))
local index = ARGV[1] .. meta[1]
-- ZADD before ZREM: removing the only member first would delete the index, TTL and all, and the
-- ZADD would then create a new index with no TTL (found by tests/properties/test_sessions_machine.py)
redis.call('ZADD', index, int(deadline), ARGV[3])
redis.call('ZREM', index, ARGV[2])
local last = redis.call('ZRANGE', index, -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', index, last[2])
return op_record(KEYS[3], ARGV[3], ARGV[4])
