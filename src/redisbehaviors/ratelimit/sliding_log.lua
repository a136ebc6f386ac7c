-- Sliding-window log: a sorted set of admitted request units scored by the server's time in µs.
-- Exact: in any span of one window no more than `amount` units are admitted.  Memory: one member
-- per admitted unit still inside the window.
-- KEYS[i]          the log of limit i (all keys share the subject's hash tag; no key is derived)
-- ARGV[1] 'hit' or 'peek'   ARGV[2] cost   ARGV[2i+1], ARGV[2i+2] amount and window in ms of limit i
-- Reply: {allowed 0|1, remaining, reset_after_ms, retry_after_ms, binding limit index} (see _common.lua)
-- 'peek' trims nothing either.
local now = now_us()
local charge, cost = request(ARGV)
local counts, amounts, windows, starts, retry = {}, {}, {}, {}, {}
local allowed = 1
for i = 1, #KEYS do
  local amount, window = limit(ARGV, i)
  amounts[i], windows[i] = amount, window * 1000
  -- a unit stamped s is inside the window while s > now - window
  starts[i] = now - windows[i]
  counts[i] = redis.call('ZCOUNT', KEYS[i], '(' .. int(starts[i]), '+inf')
  retry[i] = 0
  local excess = counts[i] + cost - amounts[i]
  if excess > 0 then
    allowed = 0
    -- the request fits once the excess-th oldest unit in the window has left it
    local oldest = redis.call('ZRANGE', KEYS[i], '(' .. int(starts[i]), '+inf', 'BYSCORE', 'LIMIT', excess - 1, 1,
      'WITHSCORES')
    retry[i] = math.ceil((tonumber(oldest[2]) + windows[i] - now) / 1000)
  end
end
local newest = {}
for i = 1, #KEYS do
  local last = redis.call('ZRANGE', KEYS[i], -1, -1, 'WITHSCORES')
  newest[i] = last[2] and tonumber(last[2]) or nil
end
if allowed == 1 and charge then
  for i = 1, #KEYS do
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', int(starts[i]))
    -- members must be unique: stamp after the newest unit even if TIME did not move on
    local stamp = now
    if newest[i] and newest[i] >= stamp then
      stamp = newest[i] + 1
    end
    local batch = {}
    for j = 1, cost do
      batch[#batch + 1] = int(stamp)
      batch[#batch + 1] = int(stamp) .. '-' .. j
      if #batch == 200 or j == cost then
        redis.call('ZADD', KEYS[i], unpack(batch))
        batch = {}
      end
    end
    redis.call('PEXPIRE', KEYS[i], math.ceil((stamp - now + windows[i]) / 1000))
    counts[i] = counts[i] + cost
    newest[i] = stamp
  end
end
local remaining, reset = {}, {}
for i = 1, #KEYS do
  remaining[i] = amounts[i] - counts[i]
  reset[i] = 0
  if newest[i] and newest[i] > starts[i] then
    reset[i] = math.ceil((newest[i] + windows[i] - now) / 1000)
  end
end
return decision(allowed, remaining, reset, retry)
