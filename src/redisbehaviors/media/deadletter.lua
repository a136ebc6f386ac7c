-- Decide what happens to a job that failed or was delivered too often: retry it, or move it to
-- the dead-letter stream (with the reason, the delivery count and the original id) and ack it.
-- A retry of the same call (its reply was lost) returns the first call's reply from the operation
-- record instead of finding the job "gone".
-- KEYS[1] jobs stream   KEYS[2] dead-letter stream   KEYS[3] the job's mark key   KEYS[4] operation record
-- ARGV[1] group   ARGV[2] consumer   ARGV[3] entry id   ARGV[4] job id   ARGV[5] reason
-- ARGV[6] dead-letter when the delivery count is at least this
-- ARGV[7] below it: idle time in ms to give the entry so the next reclaim retries it ("" = leave it)
-- ARGV[8] ack mode (see apply.lua)   ARGV[9] mark TTL in ms   ARGV[10] dead-letter MAXLEN (approximate)
-- ARGV[11] operation record TTL in ms
-- Reply: {outcome, delivery count, dead-letter id or ""}; outcome is "gone" (no longer pending),
-- "lost" (pending with another consumer), "retry", "kept", "dead" or "applied" (it was applied before)
local first = op_replay(KEYS[4])
if first ~= nil then
  return first
end
local rows = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #rows == 0 then
  return {'gone', 0, ''}
end
local owner, deliveries = rows[1][2], rows[1][4]
if owner ~= ARGV[2] then
  return {'lost', deliveries, ''}
end
local function ack()
  if ARGV[8] == 'xackdel' then
    redis.call('XACKDEL', KEYS[1], ARGV[1], 'IDS', 1, ARGV[3])
  else
    redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
    if ARGV[8] == 'xack+xdel' then
      redis.call('XDEL', KEYS[1], ARGV[3])
    end
  end
end
if redis.call('GET', KEYS[3]) == 'applied' then
  ack()
  return op_record(KEYS[4], {'applied', deliveries, ''}, ARGV[11])
end
if deliveries < tonumber(ARGV[6]) then
  if ARGV[7] == '' then
    return {'kept', deliveries, ''}
  end
  -- JUSTID: re-owning the entry does not count a delivery; IDLE makes the next reclaim take it
  redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'IDLE', ARGV[7], 'JUSTID')
  return op_record(KEYS[4], {'retry', deliveries, ''}, ARGV[11])
end
local fields = {'reason', ARGV[5], 'deliveries', deliveries, 'original-id', ARGV[3],
                'consumer', ARGV[2], 'group', ARGV[1], 'job', ARGV[4]}
local entry = redis.call('XRANGE', KEYS[1], ARGV[3], ARGV[3])
if #entry == 1 then
  local body = entry[1][2]
  for i = 1, #body, 2 do
    if body[i] == 'kind' or body[i] == 'payload' then
      fields[#fields + 1] = body[i]
      fields[#fields + 1] = body[i + 1]
    end
  end
end
local dead_id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[10], '*', unpack(fields))
redis.call('SET', KEYS[3], 'dead', 'PX', ARGV[9])
ack()
return op_record(KEYS[4], {'dead', deliveries, dead_id}, ARGV[11])
