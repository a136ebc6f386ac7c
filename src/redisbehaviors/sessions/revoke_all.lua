-- Revoke every session of a user (logout everywhere, password change) in one atomic step: a
-- session created before this call cannot survive it.
-- KEYS[1] the user's index   ARGV[1] the session key prefix (+ token = a session key, same slot)
-- Reply: the number of live sessions revoked
local revoked = 0
for _, token in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  revoked = revoked + redis.call('DEL', ARGV[1] .. token)
end
redis.call('DEL', KEYS[1])
return revoked
