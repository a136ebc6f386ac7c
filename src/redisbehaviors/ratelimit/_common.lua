-- The rate limiters' own helpers, put after the shared prelude (int, now_ms, now_us) in front of
-- each of the four scripts.  They all take a request and its limits the same way:
--   ARGV[1]                  'hit' (charge when every limit passes) or 'peek' (charge nothing)
--   ARGV[2]                  cost of this request (1 <= cost <= every amount; checked by the caller)
--   ARGV[3]                  the operation id of a hit: 16 hex characters ('' for a peek)
--   ARGV[4]                  how long (ms) a hit's operation id is remembered, at least
--   ARGV[2i+3], ARGV[2i+4]   amount and window in ms of limit i (KEYS[i])
-- and reply the same way: {allowed 0|1, remaining, reset_after_ms, retry_after_ms, binding limit
-- index (1-based)}, where remaining/reset/retry are those of the binding limit.
--
-- Exactly once: the counters (fixed window, sliding counter, token bucket) keep the operation ids of
-- the subject's last OPS_KEPT admitted hits at the end of limit 1's own value ("<numbers> <op> <op>…"),
-- so a hit whose reply was lost and which is sent again is recognised without one more key per
-- decision; every limit of a policy is charged together, so limit 1 speaks for all of them.  A
-- recognised hit charges nothing and answers "allowed", with the counts as they are now.

-- 64: a kill storm with 4 threads on one subject put more than 16 admitted hits between a lost reply and its
-- retry (a thread waiting for the GIL), which a list of 16 missed; 64 ids are about 1 kB, for busy
-- subjects only (a subject keeps only as many ids as it had admitted hits).
local OPS_KEPT = 64
local OP_WIDTH = 17 -- ' ' and 16 hex characters

-- Whether to charge the request, its cost, its operation id, and how long that id is remembered.
local function request(ARGV)
  return ARGV[1] == 'hit', tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
end

-- Limit i: its amount, and its window in ms.
local function limit(ARGV, i)
  return tonumber(ARGV[2 * i + 3]), tonumber(ARGV[2 * i + 4])
end

-- Whether `op` is among the operation ids `ops` (" <op> <op>…", each entry OP_WIDTH long): a match of
-- ' ' .. op starts at an entry, because ids are hex and only entries start with a space.
local function seen(ops, op)
  return string.find(ops, ' ' .. op, 1, true) ~= nil
end

-- The ids kept after admitting `op`: the newest OPS_KEPT entries (cut at an entry boundary).
local function remember(ops, op)
  return string.sub(ops .. ' ' .. op, -OPS_KEPT * OP_WIDTH)
end

-- Whether the request is allowed (0|1), once every limit is checked (`fits` is 1 when all pass), and the
-- operation ids limit 1 keeps when the hit is to be charged (nil when nothing is charged).  A hit whose
-- id `op` is among limit 1's `ops` was admitted and charged before its reply was lost: it is allowed,
-- charges nothing, and no limit has a wait to report (`retry` is cleared).
local function settle(fits, charge, ops, op, retry)
  if charge and seen(ops, op) then
    for i = 1, #retry do
      retry[i] = 0
    end
    return 1, nil
  end
  if fits == 1 and charge then
    return 1, remember(ops, op)
  end
  return fits, nil
end

-- Write the counter of limit i (KEYS[i]) of a clock-aligned window whose key lives until `expires`
-- (ms, server time).  Limit 1's value also carries the operation ids `kept` and lives op_ttl longer,
-- so that a retry just after the edge still finds its id.  The deadline is the same all window long:
-- only the window's first hit sets it (`started` is false after it), because SET ... KEEPTTL costs the
-- server less than SET ... PXAT.
local function save_window(i, value, started, expires, kept, op_ttl)
  if i == 1 then
    value, expires = value .. kept, expires + op_ttl
  end
  if started then
    redis.call('SET', KEYS[i], value, 'KEEPTTL')
  else
    redis.call('SET', KEYS[i], value, 'PXAT', int(expires))
  end
end

-- The reply.  The binding limit is, when refused, the failing limit that frees up last; when
-- allowed, the limit with the fewest requests left.
local function decision(allowed, remaining, reset, retry)
  local binding = 1
  for i = 2, #remaining do
    if (allowed == 1 and remaining[i] < remaining[binding]) or (allowed == 0 and retry[i] > retry[binding]) then
      binding = i
    end
  end
  return {allowed, remaining[binding], reset[binding], retry[binding], binding}
end
