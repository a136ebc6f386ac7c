-- Confirm a held order: its reserved stock becomes sold.
-- KEYS[1] stock hash  KEYS[2] holds hash  KEYS[3] expiry zset  KEYS[4] done zset  KEYS[5] audit stream
-- KEYS[6] restocks hash (every script takes the same six keys of one partition)
-- ARGV[1] audit cap (0: no audit)   ARGV[2] order id
-- Reply: 'confirmed' (sold now), 'already_confirmed', 'expired' (the deadline passed: nothing sold,
-- the stock went back, by this call or earlier), 'cancelled', or 'unknown' (no such order).
local cap, order_id = tonumber(ARGV[1]), ARGV[2]
local now = now_ms()
local hold = load_hold(KEYS, order_id)
if hold == nil then
  return 'unknown'
end
if expire_if_due(KEYS, cap, order_id, hold, now) then
  return 'expired'
end
if hold.state == 'held' then
  close_hold(KEYS, cap, order_id, hold, 'confirmed', 'sold', now)
  return 'confirmed'
end
if hold.state == 'confirmed' then
  return 'already_confirmed'
end
return hold.state
