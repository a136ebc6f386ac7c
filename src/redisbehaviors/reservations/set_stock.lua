-- Set how many units of a SKU are available (stock-take); defines the SKU when it is new.
-- KEYS[1] stock hash  KEYS[2] holds hash  KEYS[3] expiry zset  KEYS[4] done zset  KEYS[5] audit stream
-- KEYS[6] restocks hash (every script takes the same six keys of one partition)
-- KEYS[7] this call's operation record
-- ARGV[1] audit cap (0: no audit)   ARGV[2] sku   ARGV[3] available units (>= 0)
-- ARGV[4] operation record TTL in ms
-- Reply: {available, reserved, sold, total}.  total (units ever put in) moves by the same delta as
-- available, so available + reserved + sold == total keeps holding.  A retry of the same call (its
-- reply was lost) gets the first reply from the operation record and sets nothing: setting again
-- would undo the holds and sales made in between.
local first = op_replay(KEYS[7])
if first ~= nil then
  return first
end
local cap, sku, wanted = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local available = tonumber(redis.call('HGET', KEYS[1], sku .. ':available') or '0')
local delta = wanted - available
redis.call('HSETNX', KEYS[1], sku .. ':reserved', 0)
redis.call('HSETNX', KEYS[1], sku .. ':sold', 0)
redis.call('HINCRBY', KEYS[1], sku .. ':available', int(delta))
redis.call('HINCRBY', KEYS[1], sku .. ':total', int(delta))
audit(KEYS, cap, 'stock-set', 'sku', sku)
local level = redis.call('HMGET', KEYS[1], sku .. ':available', sku .. ':reserved', sku .. ':sold', sku .. ':total')
return op_record(KEYS[7], level, ARGV[4])
