-- Replay a dead letter: submit its job again as a new entry, forget the job's "dead" outcome and
-- remove the dead letter, all at once (a crash in between can neither lose nor duplicate it).
-- A retry of the same call (its reply was lost) returns the first call's new id from the operation record.
-- KEYS[1] dead-letter stream   KEYS[2] jobs stream   KEYS[3] the job's mark key   KEYS[4] operation record
-- ARGV[1] dead-letter id   ARGV[2] job id   ARGV[3] operation record TTL in ms
-- Reply: the new entry id, or false when the dead letter no longer exists or has no job body
local first = op_replay(KEYS[4])
if first ~= nil then
  return first
end
local entry = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if #entry == 0 then
  return false
end
local body, fields = entry[1][2], {}
for i = 1, #body, 2 do
  fields[body[i]] = body[i + 1]
end
if fields['job'] ~= ARGV[2] or fields['kind'] == nil or fields['payload'] == nil then
  return false
end
local id = redis.call('XADD', KEYS[2], '*', 'job', ARGV[2], 'kind', fields['kind'], 'payload', fields['payload'])
if redis.call('GET', KEYS[3]) == 'dead' then
  redis.call('DEL', KEYS[3])
end
redis.call('XDEL', KEYS[1], ARGV[1])
return op_record(KEYS[4], id, ARGV[3])
