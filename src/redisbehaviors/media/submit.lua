-- Submit one job with XADD, trimming the stream; with an idempotency key a repeated submit
-- returns the entry of the first one instead of adding a second.  (A plain submit trimmed by
-- MAXLEN does not need a script: the pipeline sends that XADD itself.)
-- KEYS[1] jobs stream   KEYS[2] (only for idempotent submits) the job's submitted-marker
-- ARGV[1] job id   ARGV[2] kind   ARGV[3] payload (JSON text)
-- ARGV[4] trimming: "maxlen" | "minid" | "none"   ARGV[5] MAXLEN count, or MINID retention in ms
-- ARGV[6] "1" to add ACKED (Redis >= 8.2: trimming never drops an entry a group has not acknowledged)
-- ARGV[7] idempotency window in ms
-- Reply: {entry id, 1 when this submit was a duplicate else 0}
if KEYS[2] then
  local existing = redis.call('GET', KEYS[2])
  if existing then
    return {existing, 1}
  end
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
if KEYS[2] then
  redis.call('SET', KEYS[2], id, 'PX', ARGV[7])
end
return {id, 0}
