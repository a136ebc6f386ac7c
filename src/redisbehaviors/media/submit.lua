-- Submit jobs with XADD, trimming the stream: a batch of one (submit) or more (submit_many) in one
-- script, so every job of a batch is added or none is (the first XADD is the script's first write:
-- an OOM or WRONGTYPE refusal comes before anything has changed).
-- A retry of the call (after a lost reply, with the same operation id) gets the first reply from the
-- call's record and adds nothing.  A job given a job id also leaves a marker for the idempotency
-- window: another submit of that id, in a later call or later in the same batch, gets the first
-- entry back, reported as a duplicate.
-- KEYS[1] jobs stream   KEYS[2] this call's record   KEYS[3...] the markers of the jobs given an id
-- ARGV[1] trimming: "maxlen" | "minid" | "none"   ARGV[2] MAXLEN count, or MINID retention in ms
-- ARGV[3] "1" to add ACKED (Redis >= 8.2: trimming never drops an entry a group has not acknowledged)
-- ARGV[4] how long a marker is kept, in ms   ARGV[5] how long the call's record is kept, in ms
-- ARGV[6] one character per job: "1" when the job has a marker (the next KEYS), else "0"
-- then three per job: job id, kind, payload (JSON text)
-- Reply: flat, two per job: entry id, 1 when the job id was submitted before, else 0
local done = op_replay(KEYS[2])
if done then
  return done
end
local head = {KEYS[1]}
if ARGV[1] ~= 'none' then
  if ARGV[3] == '1' then
    head[#head + 1] = 'ACKED'
  end
  local threshold = ARGV[2]
  if ARGV[1] == 'minid' then
    -- server time, so every producer trims against the same clock
    threshold = int(math.max(now_ms() - tonumber(ARGV[2]), 0))
  end
  -- '~' lets Redis drop only whole radix-tree nodes: cheap, but it may keep more than asked
  head[#head + 1] = string.upper(ARGV[1])
  head[#head + 1] = '~'
  head[#head + 1] = threshold
end
head[#head + 1] = '*'
local fields = #head
local reply, marker, marks = {}, 2, ARGV[6]
for at = 7, #ARGV, 3 do
  local entry, duplicate = nil, 0
  local marked = string.byte(marks, (at - 4) / 3) == 49 -- '1'
  if marked then
    marker = marker + 1
    entry = redis.call('GET', KEYS[marker])
    if entry then
      -- "<entry id>", or "<entry id> <operation id>" as markers were written before call records
      entry, duplicate = string.match(entry, '^[^ ]+'), 1
    end
  end
  if not entry then
    head[fields + 1], head[fields + 2], head[fields + 3] = 'job', ARGV[at], 'kind'
    head[fields + 4], head[fields + 5], head[fields + 6] = ARGV[at + 1], 'payload', ARGV[at + 2]
    entry = redis.call('XADD', unpack(head))
    if marked then
      redis.call('SET', KEYS[marker], entry, 'PX', ARGV[4])
    end
  end
  reply[#reply + 1] = entry
  reply[#reply + 1] = duplicate
end
return op_record(KEYS[2], reply, ARGV[5])
