-- Token bucket: `amount` tokens of burst, refilled at `amount` per window, on the server's clock in µs.
-- Tokens are kept scaled by the window in µs so that every step is exact integer arithmetic:
-- one token = window_us scaled units, and one µs of elapsed time refills `amount` scaled units
-- (the caller checks amount * window_us <= 2^53, where doubles stop being exact integers).
-- KEYS[i]          the bucket of limit i, a hash {tokens = scaled tokens, ts = µs of that value}; no key
--                  is derived
-- ARGV[1] 'hit' or 'peek'   ARGV[2] cost   ARGV[2i+1], ARGV[2i+2] amount and window in ms of limit i
-- Reply: {allowed 0|1, remaining, reset_after_ms, retry_after_ms, binding limit index} (see _common.lua)
-- A missing bucket is a full one: the key's TTL is the time it takes to refill completely.
local now = now_us()
local charge, cost = request(ARGV)
local tokens, amounts, windows, retry = {}, {}, {}, {}
local allowed = 1
for i = 1, #KEYS do
  local amount, window = limit(ARGV, i)
  window = window * 1000
  local capacity = amount * window
  local state = redis.call('HMGET', KEYS[i], 'tokens', 'ts')
  local level = capacity
  if state[1] then
    -- a clock that steps back refills nothing; more than a window refills everything
    local since = math.min(math.max(0, now - tonumber(state[2])), window)
    level = math.min(capacity, tonumber(state[1]) + since * amount)
  end
  tokens[i], amounts[i], windows[i], retry[i] = level, amount, window, 0
  if level < cost * window then
    allowed = 0
    retry[i] = math.ceil((cost * window - level) / amount / 1000)
  end
end
if allowed == 1 and charge then
  for i = 1, #KEYS do
    tokens[i] = tokens[i] - cost * windows[i]
    local full_in = math.ceil((amounts[i] * windows[i] - tokens[i]) / amounts[i] / 1000)
    redis.call('HSET', KEYS[i], 'tokens', int(tokens[i]), 'ts', int(now))
    redis.call('PEXPIRE', KEYS[i], math.max(1, full_in))
  end
end
local remaining, reset = {}, {}
for i = 1, #KEYS do
  remaining[i] = math.floor(tokens[i] / windows[i])
  reset[i] = math.ceil((amounts[i] * windows[i] - tokens[i]) / amounts[i] / 1000)
end
return decision(allowed, remaining, reset, retry)
