-- Like or unlike a product, idempotently and atomically.
-- KEYS[1] product hash   KEYS[2] product likers set   KEYS[3] user favorites set
-- KEYS[4] the operation's record
-- ARGV[1] user id        ARGV[2] product id          ARGV[3] "1" to like, "0" to unlike
-- ARGV[4] record ttl in ms
-- Reply: {changed (0|1), likes after the call}, or {-1, 0} when the product does not exist.
-- The likers set decides whether anything changes, so liking twice counts once and unliking
-- what was never liked changes nothing; the counter and both sets change together or not at all.
-- The state is idempotent by nature; the record keeps the answer: a call that changed something is
-- recorded, so its retry (after a lost reply) still answers changed = 1 instead of 0.
local done = op_replay(KEYS[4])
if done then
  return done
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {-1, 0}
end
local changed
if ARGV[3] == '1' then
  changed = redis.call('SADD', KEYS[2], ARGV[1])
  if changed == 1 then
    redis.call('SADD', KEYS[3], ARGV[2])
    return op_record(KEYS[4], {1, redis.call('HINCRBY', KEYS[1], 'likes', 1)}, ARGV[4])
  end
else
  changed = redis.call('SREM', KEYS[2], ARGV[1])
  if changed == 1 then
    redis.call('SREM', KEYS[3], ARGV[2])
    return op_record(KEYS[4], {1, redis.call('HINCRBY', KEYS[1], 'likes', -1)}, ARGV[4])
  end
end
return {0, tonumber(redis.call('HGET', KEYS[1], 'likes') or '0')}
