-- The sweeper: expire due holds and forget long-finished orders.  Run it periodically; it does
-- not rely on keyspace notifications (they are fire-and-forget and lost while nobody listens).
-- KEYS[1] stock hash  KEYS[2] holds hash  KEYS[3] expiry zset  KEYS[4] done zset  KEYS[5] audit stream
-- KEYS[6] restocks hash (every script takes the same six keys of one partition)
-- ARGV[1] audit cap (0: no audit)   ARGV[2] at most this many holds per call
-- ARGV[3] retention in ms: orders finished longer ago than this are forgotten (their ids reusable)
-- Reply: {expired now, orders forgotten}
local cap, limit, retention = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local now = now_ms()
local expired = reclaim_due(KEYS, cap, limit, now)
local old = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', int(now - retention), 'LIMIT', 0, int(limit))
for _, order_id in ipairs(old) do
  redis.call('HDEL', KEYS[2], order_id)
  redis.call('ZREM', KEYS[4], order_id)
end
return {expired, #old}
