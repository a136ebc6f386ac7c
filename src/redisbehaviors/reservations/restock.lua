-- Add units to a SKU once per restock id (a retried delivery note is not counted twice).
-- KEYS[1] stock hash  KEYS[2] holds hash  KEYS[3] expiry zset  KEYS[4] done zset  KEYS[5] audit stream
-- KEYS[6] restocks hash: restock id -> "sku qty" (every script takes the same six keys)
-- KEYS[7] this call's operation record
-- ARGV[1] audit cap (0: no audit)   ARGV[2] restock id   ARGV[3] sku   ARGV[4] units (> 0)
-- ARGV[5] operation record TTL in ms
-- Reply: {'added', available} or {'already_added', available}; {'conflict', "sku qty"} when the
-- id was used for another SKU or quantity (nothing written).  A retry of the call that added the
-- units (its reply was lost) gets the first reply, {'added', available}, from the operation record.
local first = op_replay(KEYS[7])
if first ~= nil then
  return first
end
local cap, restock_id, sku = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local note = sku .. ' ' .. ARGV[4]
local seen = redis.call('HGET', KEYS[6], restock_id)
if seen then
  if seen ~= note then
    return {'conflict', seen}
  end
  return {'already_added', tonumber(redis.call('HGET', KEYS[1], sku .. ':available'))}
end
redis.call('HSET', KEYS[6], restock_id, note)
redis.call('HSETNX', KEYS[1], sku .. ':reserved', 0)
redis.call('HSETNX', KEYS[1], sku .. ':sold', 0)
redis.call('HINCRBY', KEYS[1], sku .. ':total', ARGV[4])
local available = redis.call('HINCRBY', KEYS[1], sku .. ':available', ARGV[4])
audit(KEYS, cap, 'restocked', 'sku', sku)
return op_record(KEYS[7], {'added', tostring(available)}, ARGV[5])
