-- Fixed window aligned to the server's clock, for several limits at once: all pass or none is charged.
-- KEYS[i]          the counter of limit i, a string "<window index> <count>[ <ops>]": the index is the
--                  server's time divided by the window, so a value of an older window counts 0
-- ARGV             see _common.lua: mode, cost, operation id, ms to remember it, then amount and window per limit
-- Reply: {allowed 0|1, remaining, reset_after_ms, retry_after_ms, binding limit index} (see _common.lua)
-- The count and its expiry are written by one SET ... PXAT: INCR then EXPIRE as two calls can leave a
-- counter without a TTL when the client dies in between, and it would never reset (the race the INCR
-- command page describes under "Pattern: Rate limiter 2", https://redis.io/docs/latest/commands/incr/).
local now = now_ms()
local charge, cost, op, op_ttl = request(ARGV)
local indexes, counts, amounts, ends, retry = {}, {}, {}, {}, {}
local ops = ''
local fits = 1 -- 0 once a limit refuses the request
for i = 1, #KEYS do
  local amount, window = limit(ARGV, i)
  local index = math.floor(now / window)
  local count = 0
  local state = redis.call('GET', KEYS[i])
  if state then
    local at, n, rest = string.match(state, '^(%d+) (%d+)(.*)$')
    if tonumber(at) == index then
      count = tonumber(n)
    end
    if i == 1 then
      ops = rest
    end
  end
  indexes[i], counts[i], amounts[i], ends[i], retry[i] = index, count, amount, (index + 1) * window, 0
  if count + cost > amount then
    fits = 0
    retry[i] = ends[i] - now
  end
end
local allowed, kept = settle(fits, charge, ops, op, retry)
if kept then
  for i = 1, #KEYS do
    local value = int(indexes[i]) .. ' ' .. int(counts[i] + cost)
    -- a key lives until its window ends
    save_window(i, value, counts[i] > 0, ends[i], kept, op_ttl)
    counts[i] = counts[i] + cost
  end
end
local remaining, reset = {}, {}
for i = 1, #KEYS do
  remaining[i] = amounts[i] - counts[i]
  -- nothing counted yet: nothing to restore
  reset[i] = 0
  if counts[i] > 0 then
    reset[i] = ends[i] - now
  end
end
return decision(allowed, remaining, reset, retry)
