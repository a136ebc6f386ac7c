-- Revoke one session: delete it and drop it from its user's index.
-- KEYS[1] the session hash   KEYS[2] this call's operation record (same slot)
-- ARGV[1] the user index prefix (+ user id = the index key, same slot)
-- ARGV[2] the token   ARGV[3] how long the record is kept, ms
-- Reply: 1 when a live session was revoked, 0 when there was none.  A revoke is recorded under its
-- operation id, so that its retry (the reply was lost) says 1 again, not "there was none".
local done = op_replay(KEYS[2])
if done then
  return done
end
local user = redis.call('HGET', KEYS[1], '~user')
local removed = redis.call('DEL', KEYS[1])
if user then
  redis.call('ZREM', ARGV[1] .. user, ARGV[2])
end
if removed == 0 then
  return 0
end
return op_record(KEYS[2], removed, ARGV[3])
