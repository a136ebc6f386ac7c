-- Token bucket: `amount` tokens of burst, refilled at `amount` per window, on the server's clock in µs.
-- Tokens are kept scaled by the window in µs so that every step is exact integer arithmetic:
-- one token = window_us scaled units, and one µs of elapsed time refills `amount` scaled units
-- (the caller checks amount * window_us <= 2^53, where doubles stop being exact integers).
-- KEYS[i]          the bucket of limit i, a string "<scaled tokens> <µs of that level>[ <ops>]"
-- ARGV             see _common.lua: mode, cost, operation id, ms to remember it, then amount and window per limit
-- Reply: {allowed 0|1, remaining, reset_after_ms, retry_after_ms, binding limit index} (see _common.lua)
-- A missing bucket is a full one: the key's TTL is the time it takes to refill completely.
local now = now_us()
local charge, cost, op, op_ttl = request(ARGV)
local tokens, amounts, windows, retry = {}, {}, {}, {}
local ops = ''
local fits = 1 -- 0 once a limit refuses the request
for i = 1, #KEYS do
  local amount, window = limit(ARGV, i)
  window = window * 1000
  local capacity = amount * window
  local level = capacity
  local state = redis.call('GET', KEYS[i])
  if state then
    local saved, at, rest = string.match(state, '^(%d+) (%d+)(.*)$')
    -- a clock that steps back refills nothing; more than a window refills everything
    local since = math.min(math.max(0, now - tonumber(at)), window)
    level = math.min(capacity, tonumber(saved) + since * amount)
    if i == 1 then
      ops = rest
    end
  end
  tokens[i], amounts[i], windows[i], retry[i] = level, amount, window, 0
  if level < cost * window then
    fits = 0
    retry[i] = math.ceil((cost * window - level) / amount / 1000)
  end
end
local allowed, kept = settle(fits, charge, ops, op, retry)
if kept then
  for i = 1, #KEYS do
    tokens[i] = tokens[i] - cost * windows[i]
    local full_in = math.max(1, math.ceil((amounts[i] * windows[i] - tokens[i]) / amounts[i] / 1000))
    local value = int(tokens[i]) .. ' ' .. int(now)
    if i == 1 then
      value, full_in = value .. kept, math.max(full_in, op_ttl)
    end
    redis.call('SET', KEYS[i], value, 'PX', int(full_in))
  end
end
local remaining, reset = {}, {}
for i = 1, #KEYS do
  remaining[i] = math.floor(tokens[i] / windows[i])
  reset[i] = math.ceil((amounts[i] * windows[i] - tokens[i]) / amounts[i] / 1000)
end
return decision(allowed, remaining, reset, retry)
