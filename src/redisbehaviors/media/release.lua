-- Release jobs a consumer read but will not handle (graceful shutdown): they stay pending with it,
-- but look idle for long enough that the next reclaim takes them, and the delivery that never
-- reached the handler is taken back (RETRYCOUNT deliveries - 1).
-- A retry of the same call (its reply was lost) returns the first call's count from the operation
-- record: running again would take a second delivery back.
-- KEYS[1] jobs stream   KEYS[2] operation record
-- ARGV[1] group   ARGV[2] consumer   ARGV[3] idle time in ms   ARGV[4] operation record TTL in ms
-- ARGV[5..] entry ids
-- Reply: how many entries were released
local first = op_replay(KEYS[2])
if first ~= nil then
  return first
end
local released = 0
for i = 5, #ARGV do
  local rows = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if #rows == 1 and rows[1][2] == ARGV[2] then
    local retry = math.max(rows[1][4] - 1, 0)
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'IDLE', ARGV[3], 'RETRYCOUNT', retry, 'JUSTID')
    released = released + 1
  end
end
return op_record(KEYS[2], released, ARGV[4])
