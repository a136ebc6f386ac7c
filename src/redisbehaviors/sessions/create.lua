-- Create a session: its hash, its idle TTL, and its entry in the user's index, in one step.
-- KEYS[1] the new session hash   KEYS[2] the user's index (zset token -> absolute deadline)
-- KEYS[3] this call's operation record (same bucket, same slot)
-- ARGV[1] user id   ARGV[2] token   ARGV[3] session key prefix (+ token = a session key, same slot)
-- ARGV[4] idle timeout ms   ARGV[5] absolute lifetime ms   ARGV[6] how long the record is kept, ms
-- ARGV[7..] field, value, field, value, …
-- Reply: the token of the session created, or 0 when the token exists (a token is never reused; with
-- 256 random bits this does not happen, but it is never silent).  A retry of the call (its reply was
-- lost, or the caller retries with the same operation id) replies the first run's token, so no
-- second session is created and none is left orphaned.
local done = op_replay(KEYS[3])
if done then
  return done
end
local now = now_ms()
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
local idle, lifetime = tonumber(ARGV[4]), tonumber(ARGV[5])
local deadline = now + lifetime
redis.call('HSET', KEYS[1], '~user', ARGV[1], '~created', int(now),
  '~deadline', int(deadline), '~idle', ARGV[4], unpack(ARGV, 7))
-- HSET never sets a TTL (only EXPIRE and its kin do: https://redis.io/docs/latest/commands/expire/):
-- the session lives until the first of idle and lifetime.  Both are bounded by the store (far below
-- what PEXPIRE refuses as "invalid expire time"), so nothing can fail after the HSET.
redis.call('PEXPIRE', KEYS[1], math.min(idle, lifetime))
-- prune the index: past the absolute deadline, or already gone (idle timeout, revoked)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', int(now))
for _, token in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if redis.call('EXISTS', ARGV[3] .. token) == 0 then
    redis.call('ZREM', KEYS[2], token)
  end
end
redis.call('ZADD', KEYS[2], int(deadline), ARGV[2])
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[2], last[2])
return op_record(KEYS[3], ARGV[2], ARGV[6])
