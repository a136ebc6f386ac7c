-- Give a live hold a new deadline, `ttl` ms from now (server time).
-- KEYS[1] stock hash  KEYS[2] holds hash  KEYS[3] expiry zset  KEYS[4] done zset  KEYS[5] audit stream
-- KEYS[6] restocks hash (every script takes the same six keys of one partition)
-- ARGV[1] audit cap (0: no audit)   ARGV[2] order id   ARGV[3] new ttl in ms   ARGV[4] operation id
-- Reply: {'extended', deadline}, or {state} when the hold is not live ('expired', 'confirmed',
-- 'cancelled'; an expired hold is not revived), or {'unknown'} when there is no such order.
-- A retry of the call that extended it (its reply was lost) gets {'extended', deadline} again and
-- moves nothing.
local cap, order_id, ttl, op = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]), ARGV[4]
local now = now_ms()
local hold = load_hold(KEYS, order_id)
if hold == nil then
  return {'unknown'}
end
expire_if_due(KEYS, cap, order_id, hold, now)
if hold.extended_op == op then
  return {'extended', tonumber(hold.deadline)}
end
if hold.state ~= 'held' then
  return {hold.state}
end
local deadline = now + ttl
hold.deadline = int(deadline)
hold.extended_op = op
save_hold(KEYS, order_id, hold)
redis.call('ZADD', KEYS[3], hold.deadline, order_id)
audit(KEYS, cap, 'extended', 'order', order_id)
return {'extended', deadline}
