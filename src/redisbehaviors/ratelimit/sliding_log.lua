-- Sliding-window log: a sorted set of admitted request units scored by the server's time in µs.
-- Exact: in any span of one window no more than `amount` units are admitted.  Memory: one member
-- per admitted unit still inside the window.
-- KEYS[i]          the log of limit i (all keys share the subject's hash tag; no key is derived)
-- ARGV             see _common.lua: mode, cost, operation id, ms to remember it, then amount and window per limit
-- Reply: {allowed 0|1, remaining, reset_after_ms, retry_after_ms, binding limit index} (see _common.lua)
-- The members are the hit's operation id (unit 1) and "<id>.<j>" (unit j > 1): unique without
-- reading the log's newest entry, and a hit sent again after a lost reply finds its own units
-- (ZADD NX adds none of them), so it is charged once.  A hit trims what left the window; a peek
-- trims nothing (it counts with ZCOUNT).
local now = now_us()
local charge, cost, op = request(ARGV)
local counts, amounts, windows, starts, retry = {}, {}, {}, {}, {}
local allowed = 1
for i = 1, #KEYS do
  local amount, window = limit(ARGV, i)
  amounts[i], windows[i] = amount, window * 1000
  -- a unit stamped s is inside the window while s > now - window
  starts[i] = now - windows[i]
  if charge then
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', int(starts[i]))
    counts[i] = redis.call('ZCARD', KEYS[i])
  else
    counts[i] = redis.call('ZCOUNT', KEYS[i], '(' .. int(starts[i]), '+inf')
  end
  retry[i] = 0
  if counts[i] + cost > amounts[i] then
    allowed = 0
  end
end
-- Add the `cost` units of this hit to `key`, 100 per ZADD (unpack is bounded by Lua's C stack); returns
-- how many of the first batch were new.  With NX, a hit already in the log (its reply was lost) adds none.
local function add_units(key, nx)
  local first, batch = nil, {}
  for j = 1, cost do
    batch[#batch + 1] = int(now)
    batch[#batch + 1] = j == 1 and op or op .. '.' .. j
    if #batch == 200 or j == cost then
      local added = nx and redis.call('ZADD', key, 'NX', unpack(batch)) or redis.call('ZADD', key, unpack(batch))
      first = first or added
      batch = {}
    end
  end
  return first
end
local charged = false
if charge and allowed == 1 then
  charged = add_units(KEYS[1], true) > 0
  for i = 1, #KEYS do
    if charged then
      if i > 1 then
        add_units(KEYS[i], false)
      end
      redis.call('PEXPIRE', KEYS[i], int(windows[i] / 1000))
      counts[i] = counts[i] + cost
    end
  end
elseif charge and redis.call('ZSCORE', KEYS[1], op) then
  allowed = 1 -- admitted before its reply was lost; the log is fuller now, but this hit is paid for
end
local remaining, reset = {}, {}
for i = 1, #KEYS do
  remaining[i] = math.max(0, amounts[i] - counts[i])
  reset[i] = 0
  local newest = now
  if not charged then
    local last = redis.call('ZRANGE', KEYS[i], -1, -1, 'WITHSCORES')
    newest = last[2] and tonumber(last[2]) or nil
  end
  if newest and newest > starts[i] then
    reset[i] = math.ceil((newest + windows[i] - now) / 1000)
  end
  if allowed == 0 and counts[i] + cost > amounts[i] then
    -- the request fits once the excess-th oldest unit in the window has left it
    local excess = counts[i] + cost - amounts[i]
    local oldest = redis.call('ZRANGE', KEYS[i], '(' .. int(starts[i]), '+inf', 'BYSCORE', 'LIMIT', excess - 1, 1,
      'WITHSCORES')
    retry[i] = math.ceil((tonumber(oldest[2]) + windows[i] - now) / 1000)
  end
end
return decision(allowed, remaining, reset, retry)
