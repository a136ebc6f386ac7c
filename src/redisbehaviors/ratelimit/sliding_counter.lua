-- Sliding-window counter: two clock-aligned fixed windows, the previous one weighted by how much of it
-- still overlaps the sliding window.  Approximate in a sliding span, exact in every aligned window
-- (the current count alone never exceeds the amount), two small counters per limit.
-- KEYS[i]          base key of limit i.  This script derives the keys it counts in: window_key(KEYS[i],
--                  index) for the current and the previous window, where the index is the server's time
--                  divided by the window.  The derived keys keep KEYS[i]'s hash tag, so they are in
--                  KEYS[i]'s cluster slot (a real cluster runs it in tests/unit/test_ratelimit.py).
-- ARGV[1] 'hit' or 'peek'   ARGV[2] cost   ARGV[2i+1], ARGV[2i+2] amount and window in ms of limit i
-- Reply: {allowed 0|1, remaining, reset_after_ms, retry_after_ms, binding limit index} (see _common.lua)
local now = now_ms()
local charge, cost = request(ARGV)
local keys, current, previous, amounts, windows, elapsed, retry = {}, {}, {}, {}, {}, {}, {}
local allowed = 1
for i = 1, #KEYS do
  local amount, window = limit(ARGV, i)
  local index
  index, keys[i] = window_at(KEYS[i], now, window)
  current[i] = window_count(keys[i])
  previous[i] = window_count(window_key(KEYS[i], index - 1))
  amounts[i], windows[i], elapsed[i] = amount, window, now - index * window
  -- the estimate is not rounded down, so the approximation can only refuse early, never admit late
  local estimate = previous[i] * (window - elapsed[i]) / window + current[i]
  retry[i] = 0
  if estimate + cost > amount then
    allowed = 0
    local wait
    if current[i] + cost <= amount then
      -- still in this window: wait until the previous window's weight has shrunk enough
      wait = (window - elapsed[i]) - (amount - cost - current[i]) * window / previous[i]
    else
      -- next window: this window's count becomes the weighted previous one
      wait = (window - elapsed[i]) + math.max(0, window - (amount - cost) * window / current[i])
    end
    retry[i] = math.max(1, math.ceil(wait))
  end
end
if allowed == 1 and charge then
  for i = 1, #keys do
    -- a window is read for two windows: as the current one, then as the previous one
    current[i] = charge_window(keys[i], cost, now - elapsed[i] + 2 * windows[i])
  end
end
local remaining, reset = {}, {}
for i = 1, #keys do
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
