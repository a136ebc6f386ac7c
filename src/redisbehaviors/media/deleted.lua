-- Record entries that vanished from the stream while pending (trimmed or XDEL) as dead letters, and
-- acknowledge them, at once.  A retry of the same call (its reply was lost) finds the operation
-- record and adds nothing: one dead letter per vanished entry.
-- KEYS[1] jobs stream   KEYS[2] dead-letter stream   KEYS[3] this call's operation record
-- ARGV[1] group   ARGV[2] consumer   ARGV[3] dead-letter MAXLEN (approximate)   ARGV[4] operation record TTL
-- ARGV[5] reason   ARGV[6..] per entry two values: entry id, delivery count ("" = unknown)
-- Reply: how many dead letters were added
local first = op_replay(KEYS[3])
if first ~= nil then
  return first
end
local added = 0
for i = 6, #ARGV, 2 do
  local fields = {'reason', ARGV[5], 'original-id', ARGV[i]}
  if ARGV[i + 1] ~= '' then
    fields[#fields + 1] = 'deliveries'
    fields[#fields + 1] = ARGV[i + 1]
  end
  fields[#fields + 1] = 'consumer'
  fields[#fields + 1] = ARGV[2]
  fields[#fields + 1] = 'group'
  fields[#fields + 1] = ARGV[1]
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', unpack(fields))
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[i])
  added = added + 1
end
return op_record(KEYS[3], added, ARGV[4])
