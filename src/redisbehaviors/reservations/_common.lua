-- The reservations' own helpers, put after the shared prelude (int, now_ms) in front of every
-- reservation script and in the Function library.  Helpers take their keys as parameters; nothing
-- here calls Redis at load time.
--
-- Every key of one inventory partition shares the partition's hash tag, so each script touches
-- one cluster slot.  SKU counters are fields of one hash, so every script has a fixed key list
-- even when it only learns which SKUs it touches while it runs (sweeper, confirm, cancel):
--   K[1] stock   hash    <sku>:available  <sku>:reserved  <sku>:sold  <sku>:total
--   K[2] holds   hash    <order id> -> JSON {state, deadline, closed, lines = {{sku, qty}, ...}}
--   K[3] expiry  zset    <order id> -> deadline in ms; only holds in state "held" are in it
--   K[4] done    zset    <order id> -> when it left "held", in ms (retention pruning)
--   K[5] audit   stream  one entry per state change (only when the audit cap is above 0)
--   K[6] restocks hash  <restock id> -> "<sku> <qty>" (idempotent restocks)
--   K[7] (set_stock and restock only) the call's operation record (prelude: op_replay/op_record)
--
-- Exactly once under retries: a hold remembers the operation id of the call that made it (op), closed
-- it (closed_op) and last extended it (extended_op), so a retry of that call after a lost reply
-- returns what the first run returned ('held', 'confirmed'...) instead of 'already_...'.

-- Every count and time in these scripts is an integer, and goes to redis.call() through int()
-- (see the prelude).

local function audit(K, cap, event, what, id)
  if cap > 0 then
    redis.call('XADD', K[5], 'MAXLEN', '~', int(cap), '*', 'event', event, what, id)
  end
end

local function load_hold(K, order_id)
  local raw = redis.call('HGET', K[2], order_id)
  if not raw then  -- a missing field is false, never nil
    return nil
  end
  return cjson.decode(raw)
end

local function save_hold(K, order_id, hold)
  redis.call('HSET', K[2], order_id, cjson.encode(hold))
end

-- Take a held order out of "held": its reserved quantities go to `dest` ('available' or 'sold').
-- The caller has checked hold.state == 'held'; that check and this move run in one script, so
-- the stock of one hold is returned or sold exactly once.
local function close_hold(K, cap, order_id, hold, state, dest, now, op)
  for _, line in ipairs(hold.lines) do
    local sku, qty = line[1], tonumber(line[2])
    redis.call('HINCRBY', K[1], sku .. ':reserved', int(-qty))
    redis.call('HINCRBY', K[1], sku .. ':' .. dest, int(qty))
  end
  hold.state = state
  hold.closed = int(now)
  hold.closed_op = op
  save_hold(K, order_id, hold)
  redis.call('ZREM', K[3], order_id)
  redis.call('ZADD', K[4], int(now), order_id)
  audit(K, cap, state, 'order', order_id)
end

-- Lazy reclaim: a hold whose deadline has passed is expired by whoever reads it first.
-- Returns true when this call expired it.
local function expire_if_due(K, cap, order_id, hold, now)
  if hold.state == 'held' and tonumber(hold.deadline) <= now then
    close_hold(K, cap, order_id, hold, 'expired', 'available', now)
    return true
  end
  return false
end

-- Expire up to `limit` holds whose deadline has passed, re-checking each one's state here, inside
-- the script: the index may name an order another script already closed or extended.
local function reclaim_due(K, cap, limit, now)
  local expired = 0
  if limit <= 0 then
    return expired
  end
  local due = redis.call('ZRANGEBYSCORE', K[3], '-inf', int(now), 'LIMIT', 0, int(limit))
  for _, order_id in ipairs(due) do
    local hold = load_hold(K, order_id)
    if hold == nil or hold.state ~= 'held' then
      redis.call('ZREM', K[3], order_id)  -- a stale index entry: nothing to return
    elseif expire_if_due(K, cap, order_id, hold, now) then
      expired = expired + 1
    else
      redis.call('ZADD', K[3], hold.deadline, order_id)  -- the index lagged an extension
    end
  end
  return expired
end

-- Confirm or cancel a held order (confirm.lua and cancel.lua are this call with their words):
-- `state` is the state it is closed in ('confirmed' or 'cancelled'), `dest` where its reserved stock
-- goes ('sold' or 'available'), `op` the call's operation id.  The deadline is checked first: an order
-- past it is expired, never confirmed.  Reply: `state` (closed now, or by the first run of this call),
-- 'already_<state>', 'expired' (it expired, by this call or earlier: the stock went back once), the
-- other closed state, or 'unknown' (no such order).
local function settle(K, cap, order_id, state, dest, op)
  local now = now_ms()
  local hold = load_hold(K, order_id)
  if hold == nil then
    return 'unknown'
  end
  if hold.state == state and hold.closed_op == op then
    return state  -- this call closed it; its reply was lost
  end
  if expire_if_due(K, cap, order_id, hold, now) then
    return 'expired'
  end
  if hold.state == 'held' then
    close_hold(K, cap, order_id, hold, state, dest, now, op)
    return state
  end
  if hold.state == state then
    return 'already_' .. state
  end
  return hold.state
end
