-- Extend the lease of jobs a consumer is still working on: reset their idle time so that no
-- reclaim (min idle time = the lease) takes them, without counting a delivery.
-- KEYS[1] jobs stream   ARGV[1] group   ARGV[2] consumer   ARGV[3..] entry ids
-- Reply: the ids that are still pending with this consumer (their idle time is now 0)
local held = {}
for i = 3, #ARGV do
  local rows = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if #rows == 1 and rows[1][2] == ARGV[2] then
    -- XCLAIM to the owner itself with JUSTID: idle goes to 0, the delivery count is unchanged
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    held[#held + 1] = ARGV[i]
  end
end
return held
