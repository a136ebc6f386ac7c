-- Submit one job with XADD, trimming the stream.  Every submit records its entry under the job id,
-- so that a repeated submit returns the entry of the first one instead of adding a second: a
-- retry after a lost reply (same job id, same operation id: reported as not a duplicate), or a
-- producer submitting the same job id again within the idempotency window (reported as a duplicate).
-- KEYS[1] jobs stream   KEYS[2] the job's submitted-marker
-- ARGV[1] job id   ARGV[2] kind   ARGV[3] payload (JSON text)
-- ARGV[4] trimming: "maxlen" | "minid" | "none"   ARGV[5] MAXLEN count, or MINID retention in ms
-- ARGV[6] "1" to add ACKED (Redis >= 8.2: trimming never drops an entry a group has not acknowledged)
-- ARGV[7] how long the marker is kept, in ms   ARGV[8] operation id of this call
-- Reply: {entry id, 1 when the job was submitted by another call before, else 0}
local existing = redis.call('GET', KEYS[2])
if existing then
  local space = string.find(existing, ' ', 1, true)
  if not space then  -- a marker written before operation ids: the entry id alone
    return {existing, 1}
  end
  local first_op = string.sub(existing, space + 1)
  return {string.sub(existing, 1, space - 1), first_op == ARGV[8] and 0 or 1}
end
local args = {KEYS[1]}
if ARGV[4] ~= 'none' then
  if ARGV[6] == '1' then
    args[#args + 1] = 'ACKED'
  end
  local threshold = ARGV[5]
  if ARGV[4] == 'minid' then
    -- server time, so every producer trims against the same clock
    threshold = int(math.max(now_ms() - tonumber(ARGV[5]), 0))
  end
  -- '~' lets Redis drop only whole radix-tree nodes: cheap, but it may keep more than asked
  args[#args + 1] = string.upper(ARGV[4])
  args[#args + 1] = '~'
  args[#args + 1] = threshold
end
args[#args + 1] = '*'
args[#args + 1] = 'job'
args[#args + 1] = ARGV[1]
args[#args + 1] = 'kind'
args[#args + 1] = ARGV[2]
args[#args + 1] = 'payload'
args[#args + 1] = ARGV[3]
local id = redis.call('XADD', unpack(args))
redis.call('SET', KEYS[2], id .. ' ' .. ARGV[8], 'PX', ARGV[7])
return {id, 0}
