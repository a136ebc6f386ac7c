-- Add to a counter field of an existing product.
-- KEYS[1] product hash   ARGV[1] field   ARGV[2] increment (integer, may be negative)
-- Reply: the new value, or nil when the product does not exist (HINCRBY alone would create it).
if redis.call('EXISTS', KEYS[1]) == 0 then
  return nil
end
return redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
