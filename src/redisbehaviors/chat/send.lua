-- Append a message to the room's history and publish it live, atomically and in one round trip.
-- KEYS[1] the room's history stream
-- ARGV[1] the room's live channel   ARGV[2] history bound (exact MAXLEN, >= 1)
-- ARGV[3] room   ARGV[4] sender   ARGV[5] body
-- Reply: {id, prev, receivers}: the new entry id, the id of the room's previous message ("0-0" for
-- the first one) and what PUBLISH returned (the number of subscribers that got it).
-- The payload carries prev so that a receiver can detect a gap; the script is the only writer of the
-- stream, so the chain of prev ids has no holes except where MAXLEN trimmed the oldest entries.
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local prev = '0-0'
if last[1] then
  prev = last[1][1]
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[2], '*',
  'v', '1', 'sender', ARGV[4], 'body', ARGV[5], 'prev', prev)
local ms = tonumber(string.match(id, '^(%d+)%-'))
-- cjson prints numbers with 14 significant digits: a millisecond timestamp (13 digits) stays exact.
local payload = cjson.encode({v = 1, type = 'message', id = id, prev = prev, room = ARGV[3],
  sender = ARGV[4], time = ms, body = ARGV[5]})
local receivers = redis.call('PUBLISH', ARGV[1], payload)
return {id, prev, receivers}
