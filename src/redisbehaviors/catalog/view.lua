-- Record one view of a product: counter, trending score and the viewer's recently-viewed list.
-- KEYS[1] product hash   KEYS[2] trending zset   KEYS[3] user's recent list (or the product key again
--                                                  when the viewer is anonymous)
-- ARGV[1] product id     ARGV[2] list cap       ARGV[3] idle expiry of the list in ms
-- ARGV[4] "1" when KEYS[3] is a real viewer list
-- Reply: views after this one, or -1 when the product does not exist (nothing is written).
if redis.call('EXISTS', KEYS[1]) == 0 then
  return -1
end
local views = redis.call('HINCRBY', KEYS[1], 'views', 1)
redis.call('ZINCRBY', KEYS[2], 1, ARGV[1])
if ARGV[4] == '1' then
  -- LREM first, so the list never holds a product twice; then newest first, capped, re-armed.
  redis.call('LREM', KEYS[3], 0, ARGV[1])
  redis.call('LPUSH', KEYS[3], ARGV[1])
  redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[2]) - 1)
  redis.call('PEXPIRE', KEYS[3], ARGV[3])
end
return views
