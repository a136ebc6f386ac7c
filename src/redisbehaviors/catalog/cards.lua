-- Read the cards of a listing page in one call; writes nothing.
-- KEYS[1..n] the product hashes   KEYS[n+1] the viewer's favorites set (only with a viewer)
-- ARGV[1..n] the product ids, only with a viewer (SMISMEMBER's members)
-- Reply: one flat array: name, price, views, likes of each product in order (nil for a missing field,
-- so a missing product reads as four nils), then, with a viewer, one 0/1 favorite flag per product.
-- One script instead of a pipeline of n HMGETs: one reply for the client to read instead of n + 1.
local out, n = {}, #KEYS
local viewer = #ARGV > 0
if viewer then
  n = n - 1
end
for i = 1, n do
  local fields = redis.call('HMGET', KEYS[i], 'name', 'price', 'views', 'likes')
  for j = 1, 4 do
    out[#out + 1] = fields[j]
  end
end
if viewer then
  local flags = redis.call('SMISMEMBER', KEYS[n + 1], unpack(ARGV))
  for i = 1, n do
    out[#out + 1] = flags[i]
  end
end
return out
