-- Read one order's hold, expiring it first when its deadline has passed (lazy reclaim), so a
-- reader never sees a "held" order whose time is up.
-- KEYS[1] stock hash  KEYS[2] holds hash  KEYS[3] expiry zset  KEYS[4] done zset  KEYS[5] audit stream
-- KEYS[6] restocks hash (every script takes the same six keys of one partition)
-- ARGV[1] audit cap (0: no audit)   ARGV[2] order id
-- Reply: the hold as JSON {state, deadline, closed, lines}, or false (a null reply) when unknown.
local cap, order_id = tonumber(ARGV[1]), ARGV[2]
local hold = load_hold(KEYS, order_id)
if hold == nil then
  return false
end
expire_if_due(KEYS, cap, order_id, hold, now_ms())
return cjson.encode(hold)
