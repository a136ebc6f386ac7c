-- Shared helpers, put in front of every script by redisbehaviors.scripts (Redis Lua has no require).
-- They are local functions: nothing here calls Redis until a script calls a helper.

-- Numbers go to redis.call() as strings written here: Lua numbers are doubles, and how Redis prints
-- them changed across versions (7.2.0-7.2.4 wrote round numbers such as 1000000000 as "1e+09", which
-- INCRBY and HINCRBY refuse: redis/redis#13113, fixed in 7.2.5 by #13115; see script_contract.feature).
local function int(n)
  return string.format('%d', n)
end

-- The server's clock (TIME), so that clients with skewed clocks agree.  Scripts replicate their
-- effects (the default since 5.0, the only mode since 7.0: redis/redis#9812), so a script may read
-- TIME and then write.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function now_us()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end
