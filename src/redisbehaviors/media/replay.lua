-- Replay a dead letter: submit its job again as a new entry, forget the job's "dead" outcome and
-- remove the dead letter, all at once (a crash in between can neither lose nor duplicate it).
-- KEYS[1] dead-letter stream   KEYS[2] jobs stream   KEYS[3] the job's mark key
-- ARGV[1] dead-letter id   ARGV[2] job id
-- Reply: the new entry id, or false when the dead letter no longer exists or has no job body
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
return id
