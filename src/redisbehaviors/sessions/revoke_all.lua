-- Revoke every session of a user (logout everywhere, password change) in one atomic step: a
-- session created before this call cannot survive it.
-- KEYS[1] the user's index   KEYS[2] this call's operation record (same slot)
-- ARGV[1] the session key prefix (+ token = a session key, same slot)   ARGV[2] how long the record is kept, ms
-- Reply: the number of live sessions revoked; a retry of the call (its reply was lost) replies the
-- first run's count from the record instead of 0.
local done = op_replay(KEYS[2])
if done then
  return done
end
local revoked = 0
for _, token in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  revoked = revoked + redis.call('DEL', ARGV[1] .. token)
end
redis.call('DEL', KEYS[1])
if revoked == 0 then
  return 0
end
return op_record(KEYS[2], revoked, ARGV[2])
