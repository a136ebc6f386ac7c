-- Read the cards of a listing page in one call; writes nothing.
-- KEYS[1..n] the product hashes   KEYS[n+1] the viewer's favorites set (only with a viewer)
-- ARGV[1] with a viewer only: the length of the product keys' prefix, so each product id (the
--         SMISMEMBER member) is read off its key instead of being sent a second time
-- Reply: one entry per product, in order: false (nil) where the product has none of the four fields,
-- else {name, price, views, likes, favorite}: name and price as stored (nil when missing), views and
-- likes as integers (0 when missing), favorite 1 or 0.  Counters are sent as integers while Lua's
-- doubles hold them exactly (below 2^53), as stored text beyond that; the client reads either.
-- One script instead of a pipeline of n HMGETs: one reply for the client to read instead of n + 1,
-- and the numbers arrive typed, so the client builds each card without parsing text.
local n = #KEYS
local flags
if #ARGV > 0 then
  n = n - 1
  local skip, members = tonumber(ARGV[1]) + 1, {}
  for i = 1, n do
    members[i] = string.sub(KEYS[i], skip)
  end
  flags = redis.call('SMISMEMBER', KEYS[n + 1], unpack(members))
end

local function counter(text)
  if not text then
    return 0
  end
  local value = tonumber(text)
  if value and value > -2 ^ 53 and value < 2 ^ 53 then
    return value
  end
  return text
end

local out = {}
for i = 1, n do
  local name, price, views, likes = unpack(redis.call('HMGET', KEYS[i], 'name', 'price', 'views', 'likes'))
  if name or price or views or likes then
    out[i] = {name, price, counter(views), counter(likes), flags and flags[i] or 0}
  else
    out[i] = false
  end
end
return out
