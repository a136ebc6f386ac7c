-- Retire a consumer without losing its work: hand up to ARGV[4] of its pending entries to an heir
-- (keeping their idle time and delivery count), and delete the consumer only in the call that
-- finds nothing left, because XGROUP DELCONSUMER drops pending entries instead of moving them.
-- A retry of the same step (its reply was lost) returns the first run's counts from the operation record.
-- KEYS[1] jobs stream   KEYS[2] dead-letter stream   KEYS[3] this step's operation record
-- ARGV[1] group   ARGV[2] retiring consumer   ARGV[3] heir   ARGV[4] batch size   ARGV[5] dead-letter MAXLEN
-- ARGV[6] operation record TTL in ms
-- Reply: {entries handed over, entries found deleted (recorded as dead letters), 1 if the consumer was deleted}
local first = op_replay(KEYS[3])
if first ~= nil then
  return first
end
local rows = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', ARGV[4], ARGV[2])
local moved, deleted = 0, 0
for _, row in ipairs(rows) do
  local id = row[1]
  if #redis.call('XRANGE', KEYS[1], id, id) == 0 then
    -- XCLAIM would silently drop an entry deleted from the stream (7.0+): record it first
    redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'reason',
      'deleted from the stream before it was acknowledged', 'deliveries', row[4],
      'original-id', id, 'consumer', ARGV[2], 'group', ARGV[1])
    redis.call('XACK', KEYS[1], ARGV[1], id)
    deleted = deleted + 1
  else
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, id, 'IDLE', row[3], 'JUSTID')
    moved = moved + 1
  end
end
if #rows < tonumber(ARGV[4]) then
  redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
  return op_record(KEYS[3], {moved, deleted, 1}, ARGV[6])
end
return op_record(KEYS[3], {moved, deleted, 0}, ARGV[6])
