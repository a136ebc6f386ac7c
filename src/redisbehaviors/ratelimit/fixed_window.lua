-- Fixed window aligned to the server's clock, for several limits at once: all pass or none is charged.
-- KEYS[i]          base key of limit i.  This script derives the key it counts in: window_key(KEYS[i],
--                  index), where the index is the server's time divided by the window.  The derived key
--                  keeps KEYS[i]'s hash tag, so it is in KEYS[i]'s cluster slot (a real cluster runs it
--                  in tests/unit/test_ratelimit.py).
-- ARGV[1] 'hit' or 'peek'   ARGV[2] cost   ARGV[2i+1], ARGV[2i+2] amount and window in ms of limit i
-- Reply: {allowed 0|1, remaining, reset_after_ms, retry_after_ms, binding limit index} (see _common.lua)
-- The count and its expiry are set in one script: INCR then EXPIRE as two calls can leave a counter
-- without a TTL when the client dies in between, and it would never reset (the race the INCR command
-- page describes under "Pattern: Rate limiter 2", https://redis.io/docs/latest/commands/incr/).
local now = now_ms()
local charge, cost = request(ARGV)
local keys, counts, amounts, ends = {}, {}, {}, {}
local allowed = 1
for i = 1, #KEYS do
  local amount, window = limit(ARGV, i)
  local index
  index, keys[i] = window_at(KEYS[i], now, window)
  counts[i] = window_count(keys[i])
  amounts[i] = amount
  ends[i] = (index + 1) * window
  if counts[i] + cost > amount then
    allowed = 0
  end
end
if allowed == 1 and charge then
  for i = 1, #keys do
    -- the key lives exactly until the window ends
    counts[i] = charge_window(keys[i], cost, ends[i])
  end
end
local remaining, reset, retry = {}, {}, {}
for i = 1, #keys do
  remaining[i] = amounts[i] - counts[i]
  -- nothing counted yet: nothing to restore
  reset[i] = 0
  if counts[i] > 0 then
    reset[i] = ends[i] - now
  end
  retry[i] = 0
  if allowed == 0 and counts[i] + cost > amounts[i] then
    retry[i] = ends[i] - now
  end
end
return decision(allowed, remaining, reset, retry)
