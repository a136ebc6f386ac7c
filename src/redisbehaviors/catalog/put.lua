-- Create or update a product, field by field, with its place in the price index: atomically.
-- KEYS[1] product hash   KEYS[2] price index zset   KEYS[3] the operation's record
-- ARGV[1] product id     ARGV[2] "1" when the product must exist already (an update)
-- ARGV[3] record ttl in ms   ARGV[4] the new price, or "" when the call does not change it
-- ARGV[5], ARGV[6], … field, value pairs (at most a few hundred: they are unpacked onto the Lua stack)
-- Reply: 1 when the product is new, 0 when it existed, -1 for an update of an unknown product
-- (nothing is written).  HSET of the same values is idempotent by nature; only "new" is recorded, so a
-- retry after a lost reply still answers 1 (it would see the product and answer 0 otherwise).
local done = op_replay(KEYS[3])
if done then
  return done
end
local existed = redis.call('EXISTS', KEYS[1])
if existed == 0 and ARGV[2] == '1' then
  return -1
end
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
if ARGV[4] ~= '' then
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
end
if existed == 1 then
  return 0
end
return op_record(KEYS[3], 1, ARGV[3])
