-- Fixed window aligned to the server's clock, for several limits at once: all pass or none is charged.
-- KEYS[i]          base key of limit i; the window's key is KEYS[i] .. ':' .. <window index>, where the
--                  index is the server's time divided by the window (same hash tag, same slot)
-- ARGV[1]          'hit' (charge when every limit passes) or 'peek' (charge nothing)
-- ARGV[2]          cost of this request (1 <= cost <= every amount; checked by the caller)
-- ARGV[2i+1], ARGV[2i+2]   amount and window in ms of limit i
-- Reply: {allowed 0|1, remaining, reset_after_ms, retry_after_ms, binding limit index (1-based)}
--   remaining/reset/retry are those of the binding limit: the failing limit that frees up last when
--   refused, the limit with the fewest requests left when allowed.
-- The count and its expiry are set in one script: INCR then EXPIRE as two calls can leave a counter
-- without a TTL when the client dies in between (catalogue T-22), and it would never reset.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local charge = ARGV[1] == 'hit'
local cost = tonumber(ARGV[2])
local keys, counts, amounts, ends = {}, {}, {}, {}
local allowed = 1
for i = 1, #KEYS do
  local amount, window = tonumber(ARGV[2 * i + 1]), tonumber(ARGV[2 * i + 2])
  local index = math.floor(now / window)
  keys[i] = KEYS[i] .. ':' .. string.format('%d', index)
  counts[i] = tonumber(redis.call('GET', keys[i]) or '0')
  amounts[i] = amount
  ends[i] = (index + 1) * window
  if counts[i] + cost > amount then
    allowed = 0
  end
end
if allowed == 1 and charge then
  for i = 1, #keys do
    counts[i] = redis.call('INCRBY', keys[i], cost)
    if counts[i] == cost then
      -- first hit of this window: the key lives exactly until the window ends
      redis.call('PEXPIREAT', keys[i], ends[i])
    end
  end
end
local binding, remaining, retry = 1, {}, {}
for i = 1, #keys do
  remaining[i] = amounts[i] - counts[i]
  retry[i] = 0
  if allowed == 0 and counts[i] + cost > amounts[i] then
    retry[i] = ends[i] - now
  end
  if (allowed == 1 and remaining[i] < remaining[binding]) or (allowed == 0 and retry[i] > retry[binding]) then
    binding = i
  end
end
-- nothing counted yet: nothing to restore
local reset = 0
if counts[binding] > 0 then
  reset = ends[binding] - now
end
return {allowed, remaining[binding], reset, retry[binding], binding}
