-- Reserve every line of an order, or none of them.
-- KEYS[1] stock hash  KEYS[2] holds hash  KEYS[3] expiry zset  KEYS[4] done zset  KEYS[5] audit stream
-- KEYS[6] restocks hash (every script takes the same six keys of one partition)
-- ARGV[1] audit cap (0: no audit)   ARGV[2] order id   ARGV[3] hold ttl in ms
-- ARGV[4] how many due holds of other orders to reclaim first   ARGV[5] operation id of this call
-- ARGV[6..] sku, qty, sku, qty, ... (validated by the caller: distinct SKUs, positive integer
--         quantities, sorted by SKU)
-- Reply, always an array whose first element says what happened:
--   {'held', deadline}              every line is reserved until deadline (ms, server time), by this
--                                   call (or by its first run, when a retry finds the hold it made)
--   {'already_held', deadline}      this order already holds exactly these lines: nothing written
--   {'conflict', state}             the order id is taken: other lines, or no longer held
--   {'unknown', sku, ...}           SKUs that were never stocked: nothing written
--   {'short', sku, wanted, available, ...}  every line that cannot be filled: nothing reserved
-- Order of work: look at the order, check every SKU, reclaim due holds, check every quantity,
-- and write only when all checks passed.  An error after the first write would not roll back
-- the writes before it, so no redis.call below the checks can fail on valid state.
local cap, order_id, ttl, reclaim_limit = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local op = ARGV[5]
local now = now_ms()

local lines = {}
for i = 6, #ARGV, 2 do
  lines[#lines + 1] = {ARGV[i], tonumber(ARGV[i + 1])}
end

local existing = load_hold(KEYS, order_id)
if existing ~= nil then
  expire_if_due(KEYS, cap, order_id, existing, now)
  local same = #existing.lines == #lines
  for i = 1, #lines do
    same = same and existing.lines[i][1] == lines[i][1] and tonumber(existing.lines[i][2]) == lines[i][2]
  end
  if same and existing.op == op then
    return {'held', tonumber(existing.deadline)}  -- this call made it; its reply was lost
  end
  if existing.state == 'held' and same then
    return {'already_held', tonumber(existing.deadline)}
  end
  return {'conflict', existing.state}
end

-- One HMGET reads every counter the order needs, and one HSET writes them back: the script is
-- atomic, so nothing can change them in between, and fewer redis.call()s make a faster script.
local function read_counters()
  local fields = {}
  for _, line in ipairs(lines) do
    fields[#fields + 1] = line[1] .. ':total'
    fields[#fields + 1] = line[1] .. ':available'
    fields[#fields + 1] = line[1] .. ':reserved'
  end
  return redis.call('HMGET', KEYS[1], unpack(fields))
end

local counters = read_counters()
local unknown = {'unknown'}
for i, line in ipairs(lines) do
  if not counters[3 * i - 2] then  -- HMGET gives false for a missing field
    unknown[#unknown + 1] = line[1]
  end
end
if #unknown > 1 then
  return unknown
end

if reclaim_due(KEYS, cap, reclaim_limit, now) > 0 then
  counters = read_counters()  -- expired holds gave stock back
end

local short = {'short'}
for i, line in ipairs(lines) do
  local available = tonumber(counters[3 * i - 1])
  if available < line[2] then
    short[#short + 1] = line[1]
    short[#short + 1] = line[2]
    short[#short + 1] = available
  end
end
if #short > 1 then
  return short
end

local updates = {}
for i, line in ipairs(lines) do
  updates[#updates + 1] = line[1] .. ':available'
  updates[#updates + 1] = int(tonumber(counters[3 * i - 1]) - line[2])
  updates[#updates + 1] = line[1] .. ':reserved'
  updates[#updates + 1] = int(tonumber(counters[3 * i]) + line[2])
end
redis.call('HSET', KEYS[1], unpack(updates))
local deadline = now + ttl
save_hold(KEYS, order_id, {state = 'held', deadline = int(deadline), lines = lines, op = op})
redis.call('ZADD', KEYS[3], int(deadline), order_id)
audit(KEYS, cap, 'held', 'order', order_id)
return {'held', deadline}
