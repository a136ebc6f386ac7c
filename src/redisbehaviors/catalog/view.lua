-- Record one view of a product: counter, trending score and the viewer's recently-viewed list,
-- once per operation id.
-- KEYS[1] product hash   KEYS[2] trending zset   KEYS[3] user's recent list (or the product key again
--                                                  when the viewer is anonymous)
-- KEYS[4] the operation's record
-- ARGV[1] product id     ARGV[2] list cap       ARGV[3] idle expiry of the list in ms
-- ARGV[4] "1" when KEYS[3] is a real viewer list   ARGV[5] record ttl in ms
-- Reply: views after this one (as a string), or -1 when the product does not exist (nothing is written).
-- A retry of a recorded operation gets the first reply and counts nothing.
local done = op_replay(KEYS[4])
if done then
  return done
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  return -1
end
redis.call('HINCRBY', KEYS[1], 'views', 1)
redis.call('ZINCRBY', KEYS[2], 1, ARGV[1])
if ARGV[4] == '1' then
  -- LREM first, so the list never holds a product twice; then newest first, capped, re-armed.
  redis.call('LREM', KEYS[3], 0, ARGV[1])
  redis.call('LPUSH', KEYS[3], ARGV[1])
  redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[2]) - 1)
  redis.call('PEXPIRE', KEYS[3], ARGV[3])
end
return op_record(KEYS[4], redis.call('HGET', KEYS[1], 'views'), ARGV[5])
