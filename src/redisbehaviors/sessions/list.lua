-- The user's live sessions, pruning the index of entries past their deadline or already gone.
-- KEYS[1] the user's index   ARGV[1] the session key prefix (+ token = a session key, same slot)
-- Reply: the live tokens, oldest deadline first
local now = now_ms()
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', int(now))
local live = {}
for _, token in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if redis.call('EXISTS', ARGV[1] .. token) == 1 then
    live[#live + 1] = token
  else
    redis.call('ZREM', KEYS[1], token)
  end
end
return live
