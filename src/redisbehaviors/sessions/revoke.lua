-- Revoke one session: delete it and drop it from its user's index.
-- KEYS[1] the session hash   ARGV[1] the user index prefix (+ user id = the index key, same slot)
-- ARGV[2] the token
-- Reply: 1 when a live session was revoked, 0 when there was none
local user = redis.call('HGET', KEYS[1], '~user')
local removed = redis.call('DEL', KEYS[1])
if user then
  redis.call('ZREM', ARGV[1] .. user, ARGV[2])
end
return removed
