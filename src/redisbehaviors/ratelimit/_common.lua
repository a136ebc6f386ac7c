-- The rate limiters' own helpers, put after the shared prelude (int, now_ms, now_us) in front of
-- each of the four scripts.  They all take a request and its limits the same way:
--   ARGV[1]                  'hit' (charge when every limit passes) or 'peek' (charge nothing)
--   ARGV[2]                  cost of this request (1 <= cost <= every amount; checked by the caller)
--   ARGV[2i+1], ARGV[2i+2]   amount and window in ms of limit i (KEYS[i])
-- and reply the same way: {allowed 0|1, remaining, reset_after_ms, retry_after_ms, binding limit
-- index (1-based)}, where remaining/reset/retry are those of the binding limit.

-- Whether to charge the request, and its cost.
local function request(ARGV)
  return ARGV[1] == 'hit', tonumber(ARGV[2])
end

-- Limit i: its amount, and its window in ms.
local function limit(ARGV, i)
  return tonumber(ARGV[2 * i + 1]), tonumber(ARGV[2 * i + 2])
end

-- The key of window number `index` of a limit whose base key is `base`.  The script derives it (the
-- index comes from the server's clock), so it is not in KEYS; it keeps the base key's hash tag, and
-- so the base key's cluster slot.
local function window_key(base, index)
  return base .. ':' .. int(index)
end

-- The window that holds `now` for a limit of `window` ms: its index (the server's time divided by
-- the window) and its key, derived from the limit's base key.
local function window_at(base, now, window)
  local index = math.floor(now / window)
  return index, window_key(base, index)
end

-- How many units a window has counted (a window nobody hit has no key: 0).
local function window_count(key)
  return tonumber(redis.call('GET', key) or '0')
end

-- Count `cost` units in a window; its first hit gives the key its deadline, in the same script, so
-- no crash between the two can leave a counter without a TTL.  Returns the new count.
local function charge_window(key, cost, expires_at)
  local count = redis.call('INCRBY', key, cost)
  if count == cost then
    redis.call('PEXPIREAT', key, expires_at)
  end
  return count
end

-- The reply.  The binding limit is, when refused, the failing limit that frees up last; when
-- allowed, the limit with the fewest requests left.
local function decision(allowed, remaining, reset, retry)
  local binding = 1
  for i = 2, #remaining do
    if (allowed == 1 and remaining[i] < remaining[binding]) or (allowed == 0 and retry[i] > retry[binding]) then
      binding = i
    end
  end
  return {allowed, remaining[binding], reset[binding], retry[binding], binding}
end
