-- Add to a counter field of an existing product, once per operation id.
-- KEYS[1] product hash   KEYS[2] the operation's record
-- ARGV[1] field          ARGV[2] increment (integer, may be negative)   ARGV[3] record ttl in ms
-- Reply: {1, new value as a string} (exact beyond 2^53, which a Lua number is not), {0} when the
-- product does not exist (HINCRBY alone would create it), {-2} when the sum would not fit in 64 bits
-- (HINCRBY refuses it and nothing is written).  A retry of a recorded operation gets the first reply.
local done = op_replay(KEYS[2])
if done then
  return done
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {0}
end
local added = redis.pcall('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
if type(added) == 'table' and added.err then
  return {-2}
end
return op_record(KEYS[2], {1, redis.call('HGET', KEYS[1], ARGV[1])}, ARGV[3])
