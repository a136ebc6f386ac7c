-- Apply a batch of handled jobs and acknowledge them in one atomic step.  Each job's outcome
-- marker is set in the same script as the XACK, so a job delivered twice (after a reclaim)
-- has its effect applied once: the second apply finds the marker and only acknowledges.
-- A retry of the same call (its reply was lost) finds the operation record and returns the first
-- call's statuses, so "applied" is not reported as "duplicate" by the call that applied it.
-- KEYS[1] jobs stream   KEYS[2] results stream   KEYS[3] this call's operation record
-- KEYS[4..] the mark key of each job, in ARGV order
-- ARGV[1] group   ARGV[2] ack mode: "xack" | "xackdel" (Redis >= 8.2) | "xack+xdel"
-- ARGV[3] mark TTL in ms   ARGV[4] results MAXLEN (approximate)   ARGV[5] operation record TTL in ms
-- ARGV[6..] per job three values: entry id, job id, result JSON ("" = the job has no result)
-- Reply: one status per job: "applied", "duplicate" (applied before) or "dead" (dead-lettered before)
local first = op_replay(KEYS[3])
if first ~= nil then
  return first
end
local statuses, ids = {}, {}
for i = 4, #KEYS do
  local base = 6 + (i - 4) * 3
  local entry, job, result = ARGV[base], ARGV[base + 1], ARGV[base + 2]
  ids[#ids + 1] = entry
  -- SET … NX GET (7.0+): one call both claims the marker and tells what was there before
  local before = redis.call('SET', KEYS[i], 'applied', 'NX', 'GET', 'PX', ARGV[3])
  if before == 'applied' then
    statuses[#statuses + 1] = 'duplicate'
  elseif before then
    statuses[#statuses + 1] = 'dead'
  else
    if result ~= '' then
      redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', 'job', job, 'entry', entry, 'result', result)
    end
    statuses[#statuses + 1] = 'applied'
  end
end
if ARGV[2] == 'xackdel' then
  redis.call('XACKDEL', KEYS[1], ARGV[1], 'IDS', #ids, unpack(ids))
else
  redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))
  if ARGV[2] == 'xack+xdel' then
    redis.call('XDEL', KEYS[1], unpack(ids))
  end
end
return op_record(KEYS[3], statuses, ARGV[5])
