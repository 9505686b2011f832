-- Decides and applies a group of ledger jobs of ONE organization (charges, refunds, adjustments,
-- early refusals), in order, each seeing what the earlier ones did, with the rules of
-- src/core/charge-rules.ts (the same as src/stores/shared/ledger-batch.ts): idempotent replay or
-- conflict first, then the sliding minute window, then every limited line; a refused charge changes
-- no counter. The records of what was decided are appended to the organization's stream by the same
-- script, so a counter never moves without its record. Encoded by redis-group.ts.
--
-- KEYS: 1 marker, 2 stream, then nP period hashes, nW window hashes, nI idempotency keys, nF refund markers.
-- ARGV: nP, nW, nI, nF, descs (the records' descriptions, stored as they are), refund marker ttl,
--   nC, (hash, field) of each counter, nR, (hash, field) of each window count, nW window ttls,
--   nJ, then the jobs:
--   c at id nLines (counter amount limit|'')* windowNow [windowBefore limit windowStart windowMs] idem [fingerprint expiresAt ttl]
--   r refundMarker nLines (counter amount)* idem
--   a nLines (counter amount)*
--   f
-- Answers {'L'} when the organization's state is not in this Redis (lost, or never loaded), and
-- {'P', period…} when a period's counters were not loaded in this epoch: nothing changed then.
-- Otherwise {'K', epoch, entry id or '', outcomes, then per job: G used… [now before] | R by used…
-- [now before] | D stored | C | F | N | A | X}.

local epoch = redis.call('GET', KEYS[1])
if not epoch then return {'L'} end

local nP, nW, nI, nF = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local P0, W0 = 2, 2 + nP
local I0 = W0 + nW
local F0 = I0 + nI

local missing = {}
for p = 1, nP do
  if redis.call('HGET', KEYS[P0 + p], '_l') ~= epoch then missing[#missing + 1] = p end
end
if #missing > 0 then return {'P', unpack(missing)} end

local a = 7
local function arg()
  a = a + 1
  return ARGV[a - 1]
end
local function num()
  a = a + 1
  return tonumber(ARGV[a - 1])
end
local function fmt(n) return string.format('%.0f', n) end

-- Counters and window counts are read once, changed in these tables, written once at the end.
local cHash, cField, used, cDelta = {}, {}, {}, {}
for c = 1, num() do
  cHash[c] = KEYS[P0 + num()]
  cField[c] = arg()
  used[c] = tonumber(redis.call('HGET', cHash[c], cField[c]) or 0)
  cDelta[c] = 0
end
local rHash, rField, count, rDelta = {}, {}, {}, {}
for r = 1, num() do
  rHash[r] = KEYS[W0 + num()]
  rField[r] = arg()
  count[r] = tonumber(redis.call('HGET', rHash[r], rField[r]) or 0)
  rDelta[r] = 0
end
local wTtl = {}
for w = 1, nW do wTtl[KEYS[W0 + w]] = arg() end

-- Idempotency values and refund markers, read when first needed; false = absent.
local idem, idemDirty, idemTtl = {}, {}, {}
local function idemValue(i)
  if idem[i] == nil then idem[i] = redis.call('GET', KEYS[I0 + i]) end
  return idem[i]
end
local refunded, refundDirty = {}, {}

local out, outcomes = {}, {}
local function put(v) out[#out + 1] = v end

local function charge()
  local at, id, n = num(), arg(), num()
  local slot, amount, limit = {}, {}, {}
  for i = 1, n do
    slot[i] = num()
    amount[i] = num()
    limit[i] = arg()
  end
  local rc = num()
  local rp, rLimit, rStart, rWindow
  if rc > 0 then rp, rLimit, rStart, rWindow = num(), num(), num(), num() end
  local ik = num()
  local fp, expires, ttl
  if ik > 0 then fp, expires, ttl = arg(), num(), arg() end

  if ik > 0 then
    local v = idemValue(ik)
    if v then
      local s1 = string.find(v, '\n', 1, true)
      local s2 = string.find(v, '\n', s1 + 1, true)
      if tonumber(string.sub(v, s1 + 1, s2 - 1)) > at then
        outcomes[#outcomes + 1] = '-'
        if string.sub(v, 1, s1 - 1) ~= fp then
          put('C')
        else
          put('D')
          put(v)
        end
        return
      end
    end
  end

  local before = {}
  for i = 1, n do before[i] = used[slot[i]] end
  local now, prev = 0, 0
  local refusedBy = nil
  local estimate = 0
  if rc > 0 then
    now, prev = count[rc], count[rp]
    estimate = math.floor(prev * (1 - (at - rStart) / rWindow)) + now
    if estimate + 1 > rLimit then refusedBy = -1 end
  end
  if not refusedBy then
    for i = 1, n do
      if limit[i] ~= '' and amount[i] > 0 and before[i] + amount[i] > tonumber(limit[i]) then
        refusedBy = i - 1
        break
      end
    end
  end

  if refusedBy then
    outcomes[#outcomes + 1] = 'r' .. refusedBy
    put('R')
    put(refusedBy)
  else
    local after = {}
    for i = 1, n do
      used[slot[i]] = used[slot[i]] + amount[i]
      cDelta[slot[i]] = cDelta[slot[i]] + amount[i]
      after[i] = fmt(before[i] + amount[i])
    end
    local remaining, reset = '', ''
    if rc > 0 then
      count[rc] = count[rc] + 1
      rDelta[rc] = rDelta[rc] + 1
      remaining, reset = fmt(rLimit - estimate - 1), fmt(rStart + rWindow)
    end
    local usedAfter = table.concat(after, ',')
    if ik > 0 then
      -- What a replay answers: as redis-group.ts decodes it.
      idem[ik] = fp .. '\n' .. fmt(expires) .. '\n' .. id .. '\n' .. usedAfter .. '\n' .. (rLimit and fmt(rLimit) or '') .. '\n' .. remaining .. '\n' .. reset
      idemDirty[ik] = true
      idemTtl[ik] = ttl
    end
    -- The granted result, for the record (redis-records.ts).
    outcomes[#outcomes + 1] = 'g:' .. usedAfter .. ':' .. remaining .. ':' .. reset
    put('G')
  end
  for i = 1, n do put(before[i]) end
  if rc > 0 then
    put(now)
    put(prev)
  end
end

local function moveLines(sign)
  for _ = 1, num() do
    local c, amount = num(), num()
    used[c] = used[c] + sign * amount
    cDelta[c] = cDelta[c] + sign * amount
  end
end

local function refund()
  local f = num()
  if refunded[f] == nil then refunded[f] = redis.call('EXISTS', KEYS[F0 + f]) == 1 end
  if refunded[f] then
    -- Skip the lines and the idempotency slot: refunding twice changes nothing.
    for _ = 1, num() do a = a + 2 end
    a = a + 1
    outcomes[#outcomes + 1] = '-'
    put('N')
    return
  end
  refunded[f] = true
  refundDirty[f] = true
  moveLines(-1)
  local ik = num()
  if ik > 0 then
    idem[ik] = false
    idemDirty[ik] = true
  end
  outcomes[#outcomes + 1] = 'f'
  put('F')
end

for _ = 1, num() do
  local kind = arg()
  if kind == 'c' then
    charge()
  elseif kind == 'r' then
    refund()
  elseif kind == 'a' then
    moveLines(1)
    outcomes[#outcomes + 1] = 'a'
    put('A')
  else
    outcomes[#outcomes + 1] = 'x'
    put('X')
  end
end

for c = 1, #cHash do
  if cDelta[c] ~= 0 then redis.call('HINCRBY', cHash[c], cField[c], fmt(cDelta[c])) end
end
local windowsTouched = {}
for r = 1, #rHash do
  if rDelta[r] ~= 0 then
    redis.call('HINCRBY', rHash[r], rField[r], fmt(rDelta[r]))
    windowsTouched[rHash[r]] = true
  end
end
for key in pairs(windowsTouched) do redis.call('PEXPIRE', key, wTtl[key]) end
for i in pairs(idemDirty) do
  if idem[i] then
    redis.call('SET', KEYS[I0 + i], idem[i], 'PX', idemTtl[i])
  else
    redis.call('DEL', KEYS[I0 + i])
  end
end
for f in pairs(refundDirty) do redis.call('SET', KEYS[F0 + f], '1', 'PX', ARGV[6]) end

local summary = table.concat(outcomes, ' ')
local entry = ''
for _, o in ipairs(outcomes) do
  if o ~= '-' then
    entry = redis.call('XADD', KEYS[2], '*', 'e', epoch, 'd', ARGV[5], 'o', summary)
    break
  end
end
local reply = {'K', epoch, entry, summary}
for _, v in ipairs(out) do reply[#reply + 1] = v end
return reply
