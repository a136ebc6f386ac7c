-- Append a message to the room's history and publish it live, atomically and in one round trip.
-- KEYS[1] the room's history stream   KEYS[2] the operation's record
-- ARGV[1] the room's live channel   ARGV[2] history bound (MAXLEN, >= 1)
-- ARGV[3] "=" (keep exactly the bound) or "~" (at least the bound; whole stream nodes are dropped)
-- ARGV[4] sender   ARGV[5] body      (as stored in the stream)
-- ARGV[6] room, ARGV[7] sender, ARGV[8] body, each already encoded as a JSON string by the caller
-- ARGV[9] record ttl in ms
-- Reply: {id, prev, receivers}: the new entry id, the id of the room's previous message ("0-0" for
-- the first one) and what PUBLISH returned (the number of subscribers that got it).
-- The payload carries prev so that a receiver can detect a gap; the script is the only writer of the
-- stream, so the chain of prev ids has no holes except where MAXLEN trimmed the oldest entries.
-- The payload is concatenated rather than built with cjson: it is the hot path, and ids and
-- millisecond times need no escaping (cjson would also print a 13-digit time with only 14 digits).
-- Exactly once: a send whose reply was lost is recorded under its operation id; its retry gets the first
-- reply and neither stores nor publishes again (subscribers would see a duplicate otherwise).
local done = op_replay(KEYS[2])
if done then
  return done
end
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local prev = '0-0'
if last[1] then
  prev = last[1][1]
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[3], ARGV[2], '*',
  'v', '1', 'sender', ARGV[4], 'body', ARGV[5], 'prev', prev)
local ms = string.match(id, '^(%d+)%-')
local payload = '{"v":1,"type":"message","id":"' .. id .. '","prev":"' .. prev .. '","room":' .. ARGV[6]
  .. ',"sender":' .. ARGV[7] .. ',"time":' .. ms .. ',"body":' .. ARGV[8] .. '}'
local receivers = redis.call('PUBLISH', ARGV[1], payload)
return op_record(KEYS[2], {id, prev, receivers}, ARGV[9])
