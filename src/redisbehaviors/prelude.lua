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

-- Exactly-once under retries (see redisbehaviors/idempotency.py).  A script that applies an effect
-- calls op_replay(op_key) first and returns its result when it is not nil: the operation already ran
-- and its reply was lost.  Otherwise it applies the effect and returns op_record(op_key, reply, ttl).
-- Replies are stored with cjson, which writes numbers with 14 significant digits: store integers
-- beyond 2^53 (and every float) as strings.
local function op_replay(op_key)
  local done = redis.call('GET', op_key)
  if done then
    return cjson.decode(done)
  end
  return nil
end

local function op_record(op_key, reply, ttl_ms)
  redis.call('SET', op_key, cjson.encode(reply), 'PX', ttl_ms)
  return reply
end
