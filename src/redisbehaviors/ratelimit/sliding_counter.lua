-- Sliding-window counter: two clock-aligned fixed windows, the previous one weighted by how much of it
-- still overlaps the sliding window.  Approximate in a sliding span, exact in every aligned window
-- (the current count alone never exceeds the amount), one small string per limit.
-- KEYS[i]          the counters of limit i, a string "<window index> <current> <previous>[ <ops>]": the
--                  index is the server's time divided by the window; a value one window old still gives
--                  its current count as the previous one, an older value counts nothing
-- ARGV             see _common.lua: mode, cost, operation id, ms to remember it, then amount and window per limit
-- Reply: {allowed 0|1, remaining, reset_after_ms, retry_after_ms, binding limit index} (see _common.lua)
local now = now_ms()
local charge, cost, op, op_ttl = request(ARGV)
local indexes, current, previous, amounts, windows, elapsed, retry = {}, {}, {}, {}, {}, {}, {}
local ops = ''
local fits = 1 -- 0 once a limit refuses the request
for i = 1, #KEYS do
  local amount, window = limit(ARGV, i)
  local index = math.floor(now / window)
  local cur, prev = 0, 0
  local state = redis.call('GET', KEYS[i])
  if state then
    local at, c, p, rest = string.match(state, '^(%d+) (%d+) (%d+)(.*)$')
    at = tonumber(at)
    if at == index then
      cur, prev = tonumber(c), tonumber(p)
    elseif at == index - 1 then
      prev = tonumber(c)
    end
    if i == 1 then
      ops = rest
    end
  end
  indexes[i], current[i], previous[i] = index, cur, prev
  amounts[i], windows[i], elapsed[i] = amount, window, now - index * window
  -- the estimate is not rounded down, so the approximation can only refuse early, never admit late
  local estimate = prev * (window - elapsed[i]) / window + cur
  retry[i] = 0
  if estimate + cost > amount then
    fits = 0
    local wait
    if cur + cost <= amount then
      -- still in this window: wait until the previous window's weight has shrunk enough
      wait = (window - elapsed[i]) - (amount - cost - cur) * window / prev
    else
      -- next window: this window's count becomes the weighted previous one
      wait = (window - elapsed[i]) + math.max(0, window - (amount - cost) * window / cur)
    end
    retry[i] = math.max(1, math.ceil(wait))
  end
end
local allowed, kept = settle(fits, charge, ops, op, retry)
if kept then
  for i = 1, #KEYS do
    local value = int(indexes[i]) .. ' ' .. int(current[i] + cost) .. ' ' .. int(previous[i])
    -- a window is read for two windows: as the current one, then as the previous one
    save_window(i, value, current[i] > 0, now - elapsed[i] + 2 * windows[i], kept, op_ttl)
    current[i] = current[i] + cost
  end
end
local remaining, reset = {}, {}
for i = 1, #KEYS do
  local estimate = previous[i] * (windows[i] - elapsed[i]) / windows[i] + current[i]
  remaining[i] = math.max(0, math.floor(amounts[i] - estimate))
  reset[i] = 0
  if current[i] > 0 then
    reset[i] = 2 * windows[i] - elapsed[i]
  elseif previous[i] > 0 then
    reset[i] = windows[i] - elapsed[i]
  end
end
return decision(allowed, remaining, reset, retry)
