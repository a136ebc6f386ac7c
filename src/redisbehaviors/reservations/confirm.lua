-- Confirm a held order: its reserved stock becomes sold.
-- KEYS[1] stock hash  KEYS[2] holds hash  KEYS[3] expiry zset  KEYS[4] done zset  KEYS[5] audit stream
-- KEYS[6] restocks hash (every script takes the same six keys of one partition)
-- ARGV[1] audit cap (0: no audit)   ARGV[2] order id   ARGV[3] operation id of this call
-- Reply: 'confirmed' (sold now), 'already_confirmed', 'expired' (the deadline passed: nothing sold,
-- the stock went back, by this call or earlier), 'cancelled', or 'unknown' (no such order).
-- The body is settle() in _common.lua, shared with cancel.lua.
return settle(KEYS, tonumber(ARGV[1]), ARGV[2], 'confirmed', 'sold', ARGV[3])
