-- Fixed window for a policy of one limit: what fixed_window.lua decides and writes when #KEYS is 1,
-- written straight through, without its per-limit tables, loops and reply helpers.  Same keys, same
-- arguments (see _common.lua), same reply, same stored value; about a fifth fewer server
-- instructions (python -m tests.benchmarks.server_instructions --only "fixed window").
-- tests/properties/test_ratelimit_one_limit.py runs both scripts on the same requests and compares
-- every reply and every stored value.
local now = now_ms()
local charge, cost, op, op_ttl = request(ARGV)
local amount, window = limit(ARGV, 1)
local index = math.floor(now / window)
local ends = (index + 1) * window
local count, ops = 0, ''
local state = redis.call('GET', KEYS[1])
if state then
  local at, n, rest = string.match(state, '^(%d+) (%d+)(.*)$')
  if tonumber(at) == index then
    count = tonumber(n)
  end
  ops = rest
end
local allowed, retry = 1, 0
if count + cost > amount then
  allowed, retry = 0, ends - now
end
if charge and seen(ops, op) then
  allowed, retry = 1, 0 -- admitted before and its reply lost: charge nothing again
elseif allowed == 1 and charge then
  local value = int(index) .. ' ' .. int(count + cost) .. remember(ops, op)
  if count > 0 then
    redis.call('SET', KEYS[1], value, 'KEEPTTL') -- the window's first hit set its deadline
  else
    redis.call('SET', KEYS[1], value, 'PXAT', int(ends + op_ttl))
  end
  count = count + cost
end
local reset = 0
if count > 0 then
  reset = ends - now
end
return {allowed, amount - count, reset, retry, 1}
