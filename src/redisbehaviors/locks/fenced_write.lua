-- Write to the protected resource only if the caller's fencing token is not older than any seen.
-- KEYS[1] fence counter of the lock   KEYS[2] highest token a write carried   KEYS[3] resource hash
-- KEYS[4] log of accepted tokens      KEYS[5] this call's operation record
-- ARGV[1] the writer's fencing token   ARGV[2] log length to keep (0: no log)
-- ARGV[3] how long the operation record is kept, in ms   ARGV[4..] field, value, field, value, ...
-- Reply: {1, token} written; {0, highest} refused as stale; {-1, issued} refused: never issued.
-- "Highest seen" is the larger of the last token issued and the last token written: a token below
-- the last issued one belongs to a lease that a newer holder has replaced, even before that holder
-- writes anything. Tokens are integers below 2^53, so Lua numbers compare them exactly.
-- An accepted write is recorded under its operation id: its retry (the reply was lost) replies
-- {1, token} again without logging the token twice, even if a newer lease exists by then.
local done = op_replay(KEYS[5])
if done then
  return done
end
local token = tonumber(ARGV[1])
local issued = tonumber(redis.call('GET', KEYS[1]) or '0')
local written = tonumber(redis.call('GET', KEYS[2]) or '0')
if token > issued and token > written then
  return {-1, issued}
end
local highest = math.max(issued, written)
if token < highest then
  return {0, highest}
end
if token > written then
  redis.call('SET', KEYS[2], ARGV[1])
end
redis.call('HSET', KEYS[3], unpack(ARGV, 4))
local keep = tonumber(ARGV[2])
if keep > 0 then
  redis.call('LPUSH', KEYS[4], ARGV[1])
  redis.call('LTRIM', KEYS[4], 0, keep - 1)
end
-- the token as text: cjson would keep only 14 significant digits of a number
return op_record(KEYS[5], {1, ARGV[1]}, ARGV[3])
