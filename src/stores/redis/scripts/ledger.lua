-- Decides and applies a group of ledger jobs of ONE organization (charges, refunds, adjustments,
-- early refusals), in order, each seeing what the earlier ones did, with the rules of
-- src/core/charge-rules.ts (the same as src/stores/shared/ledger-batch.ts): idempotent replay or
-- conflict first, then every sliding minute window of the charge, then every limited line; a refused
-- charge changes no counter and counts in no window. The records of what was decided are appended to the organization's stream by the same
-- script, so a counter never moves without its record. Encoded by redis-group.ts.
--
-- KEYS: 1 marker, 2 stream, then nP period hashes, nW window hashes, nI idempotency keys, nF refund markers.
-- ARGV: 1 the packed arguments below, as one JSON array (A), 2 the description of the records,
-- stored as it is. One argument rather than a hundred: each costs the client more than decoding
-- it costs here, and numbers arrive as numbers.
-- A: nP, nW, nI, nF, refund marker ttl,
--   nC, (hash, field) of each counter, nR, (hash, field) of each window count, nW window ttls,
--   nM, (window now, window before, limit, window start, window ms) of each minute-window rule,
--   nQ, (n, rule×n) of each rule set (the windows a charge counts in),
--   nS, (n, (counter amount limit|'')×n) of each line set,
--   nT, (n, (k, point×k)×n) of each point set (the threshold points of a charge's lines), nJ, then the jobs:
--   c at lineSet ruleSet|0 idem|0 [chargeId fingerprint expiresAt ttl]
--   C pointSet, then as c: a charge that reports thresholds; its record keeps its counters after it
--     when it crossed one (before < point <= after)
--   r refundMarker lineSet idem|0
--   a lineSet
--   f
-- Answers {'L'} when the organization's state is not in this Redis (lost, or never loaded), and
-- {'P', period…} when a period's counters were not loaded in this epoch: nothing changed then.
-- Otherwise, as one string of NUL-separated parts: 'K', epoch, entry id or '', outcomes, then per
-- job: G used… [now before]… | R by used… [now before]… | D stored | C | F | N | A | X, where used
-- are the line's counters before the job and now, before the counts of each of its minute windows.
--
-- Written for speed (a group may hold a thousand charges): arguments are read in place rather than
-- through helper calls, no table is made per charge, and lists keep their own length (# is a
-- search in Lua 5.1).

local epoch = redis.call('GET', KEYS[1])
if not epoch then return {'L'} end
local A = cjson.decode(ARGV[1])

local nP, nW, nI, nF = tonumber(A[1]), tonumber(A[2]), tonumber(A[3]), tonumber(A[4])
local P0, W0 = 2, 2 + nP
local I0 = W0 + nW
local F0 = I0 + nI

-- Integers as Redis and the decoder read them (tostring would use an exponent from 1e14 on).
local function fmt(n)
  if n < 1e14 and n > -1e14 then return tostring(n) end
  return string.format('%.0f', n)
end

local a = 6

-- Each hash is read once (HMGET) and written once (HSET of the new values): a redis.call costs more
-- than the command it runs. A period hash's `_l` is read with its counters. Returns, for `count`
-- (hash, field) pairs of A, each one's field and, per hash, its members.
local function byHash(count)
  local field, members = {}, {}
  for i = 1, count do
    local h = tonumber(A[a])
    field[i] = A[a + 1]
    local list = members[h]
    if not list then
      list = {}
      members[h] = list
    end
    list[#list + 1] = i
    a = a + 2
  end
  return field, members
end

local nC = tonumber(A[a])
a = a + 1
local cField, cMembers = byHash(nC)
local used, cDelta = {}, {}
local missing, nMissing = {}, 0
for p = 1, nP do
  local list = cMembers[p]
  local fields = {'_l'}
  for i = 1, #list do fields[i + 1] = cField[list[i]] end
  local values = redis.call('HMGET', KEYS[P0 + p], unpack(fields))
  if values[1] ~= epoch then
    nMissing = nMissing + 1
    missing[nMissing] = p
  else
    for i = 1, #list do
      used[list[i]] = tonumber(values[i + 1] or 0)
      cDelta[list[i]] = 0
    end
  end
end
if nMissing > 0 then return {'P', unpack(missing, 1, nMissing)} end

local nR = tonumber(A[a])
a = a + 1
local rField, rMembers = byHash(nR)
local count, rDelta, fresh = {}, {}, {}
for w = 1, nW do
  local list = rMembers[w]
  local fields = {}
  for i = 1, #list do fields[i] = rField[list[i]] end
  local values = redis.call('HMGET', KEYS[W0 + w], unpack(fields))
  -- A window hash none of whose counts exists may be new: it gets its expiry when written.
  fresh[w] = true
  for i = 1, #list do
    if values[i] then fresh[w] = false end
    count[list[i]] = tonumber(values[i] or 0)
    rDelta[list[i]] = 0
  end
end
local wTtl = {}
for w = 1, nW do
  wTtl[w] = A[a]
  a = a + 1
end
local nM = tonumber(A[a])
a = a + 1
local mNow, mBefore, mLimit, mStart, mWindow = {}, {}, {}, {}, {}
for m = 1, nM do
  mNow[m], mBefore[m], mLimit[m], mStart[m], mWindow[m] = tonumber(A[a]), tonumber(A[a + 1]), tonumber(A[a + 2]), tonumber(A[a + 3]), tonumber(A[a + 4])
  a = a + 5
end

local nQ = tonumber(A[a])
a = a + 1
local qN, qRules = {}, {}
for q = 1, nQ do
  local n = tonumber(A[a])
  local rules = {}
  for i = 1, n do rules[i] = tonumber(A[a + i]) end
  qN[q], qRules[q] = n, rules
  a = a + 1 + n
end

local nS = tonumber(A[a])
a = a + 1
local sN, sCounter, sAmount, sLimit = {}, {}, {}, {}
for set = 1, nS do
  local n = tonumber(A[a])
  local counters, amounts, limits = {}, {}, {}
  for i = 1, n do
    counters[i], amounts[i] = tonumber(A[a + 3 * i - 2]), tonumber(A[a + 3 * i - 1])
    limits[i] = tonumber(A[a + 3 * i]) or false
  end
  sN[set], sCounter[set], sAmount[set], sLimit[set] = n, counters, amounts, limits
  a = a + 1 + 3 * n
end

local nT = tonumber(A[a])
a = a + 1
local tPoints = {}
for t = 1, nT do
  local n = tonumber(A[a])
  a = a + 1
  local lines = {}
  for i = 1, n do
    local k = tonumber(A[a])
    local points = {}
    for j = 1, k do points[j] = tonumber(A[a + j]) end
    lines[i] = points
    a = a + 1 + k
  end
  tPoints[t] = lines
end

-- Idempotency values and refund markers, read when first needed; false = absent.
local idem, idemDirty, idemTtl = {}, {}, {}
local refunded, refundDirty = {}, {}

local out, no = {'K', epoch, '', ''}, 4
local outcomes, nt = {}, 0
local recorded = false

local function charge(points)
  local at, set, rs, ik = tonumber(A[a]), tonumber(A[a + 1]), tonumber(A[a + 2]), tonumber(A[a + 3])
  a = a + 4
  local n, counters, amounts, limits = sN[set], sCounter[set], sAmount[set], sLimit[set]
  local id, fp, expires, ttl
  if ik > 0 then
    id, fp, expires, ttl = A[a], A[a + 1], A[a + 2], A[a + 3]
    a = a + 4
    local v = idem[ik]
    if v == nil then
      v = redis.call('GET', KEYS[I0 + ik])
      idem[ik] = v
    end
    if v then
      local s1 = string.find(v, '\n', 1, true)
      local s2 = string.find(v, '\n', s1 + 1, true)
      if tonumber(string.sub(v, s1 + 1, s2 - 1)) > at then
        nt = nt + 1
        outcomes[nt] = '-'
        no = no + 1
        if string.sub(v, 1, s1 - 1) ~= fp then
          out[no] = 'C'
        else
          out[no] = 'D'
          no = no + 1
          out[no] = v
        end
        return
      end
    end
  end

  -- Every window must have room. Of windows that all do, the one with the fewest calls left (the
  -- first on a tie) is what a replay reports, as isTighterWindow picks it.
  local nq, rules, refusedBy = 0, nil, nil
  local told, toldRemaining = 0, 0
  if rs > 0 then
    nq, rules = qN[rs], qRules[rs]
    for k = 1, nq do
      local rule = rules[k]
      local remaining = mLimit[rule] - 1 - math.floor(count[mBefore[rule]] * (1 - (at - mStart[rule]) / mWindow[rule])) - count[mNow[rule]]
      if remaining < 0 then
        refusedBy = -1
      elseif told == 0 or remaining < toldRemaining then
        told, toldRemaining = rule, remaining
      end
    end
  end
  if not refusedBy then
    for i = 1, n do
      local limit, amount = limits[i], amounts[i]
      if limit and amount > 0 and used[counters[i]] + amount > limit then
        refusedBy = i - 1
        break
      end
    end
  end

  no = no + 1
  if refusedBy then
    out[no] = 'R'
    no = no + 1
    out[no] = refusedBy
    nt = nt + 1
    outcomes[nt] = 'r' .. refusedBy
  else
    out[no] = 'G'
  end
  local usedAt = no
  for i = 1, n do out[no + i] = used[counters[i]] end
  no = no + n
  for k = 1, nq do
    local rule = rules[k]
    out[no + 1], out[no + 2] = count[mNow[rule]], count[mBefore[rule]]
    no = no + 2
  end
  recorded = true
  if refusedBy then return end

  for i = 1, n do
    local c, amount = counters[i], amounts[i]
    used[c] = used[c] + amount
    cDelta[c] = cDelta[c] + amount
  end
  for k = 1, nq do
    local m = mNow[rules[k]]
    count[m] = count[m] + 1
    rDelta[m] = rDelta[m] + 1
  end
  nt = nt + 1
  local crossed = false
  if points then
    for i = 1, n do
      local before, linePoints = out[usedAt + i], points[i]
      if linePoints then
        for j = 1, #linePoints do
          if before < linePoints[j] and linePoints[j] <= before + amounts[i] then crossed = true end
        end
      end
    end
  end
  if ik == 0 and not crossed then
    outcomes[nt] = 'g'
    return
  end
  -- The answer a replay gives (redis-answer.ts decodes it), and the record's copy of it.
  local after = {}
  for i = 1, n do after[i] = fmt(out[usedAt + i] + amounts[i]) end
  local usedAfter = table.concat(after, ',')
  local remaining, reset, limit = '', '', ''
  if told > 0 then remaining, reset, limit = fmt(toldRemaining), fmt(mStart[told] + mWindow[told]), fmt(mLimit[told]) end
  if ik > 0 then
    idem[ik] = fp .. '\n' .. expires .. '\n' .. id .. '\n' .. usedAfter .. '\n' .. limit .. '\n' .. remaining .. '\n' .. reset
    idemDirty[ik] = true
    idemTtl[ik] = ttl
  end
  outcomes[nt] = 'g:' .. usedAfter .. ':' .. remaining .. ':' .. reset .. ':' .. limit
end

local function moveLines(sign)
  local set = tonumber(A[a])
  a = a + 1
  local counters, amounts = sCounter[set], sAmount[set]
  for i = 1, sN[set] do
    local c, amount = counters[i], sign * amounts[i]
    used[c] = used[c] + amount
    cDelta[c] = cDelta[c] + amount
  end
end

local function refund()
  local f = tonumber(A[a])
  a = a + 1
  if refunded[f] == nil then refunded[f] = redis.call('EXISTS', KEYS[F0 + f]) == 1 end
  nt = nt + 1
  no = no + 1
  if refunded[f] then
    -- Refunding twice changes nothing: skip its line set and idempotency slot.
    a = a + 2
    outcomes[nt] = '-'
    out[no] = 'N'
    return
  end
  refunded[f] = true
  refundDirty[f] = true
  moveLines(-1)
  local ik = tonumber(A[a])
  a = a + 1
  if ik > 0 then
    idem[ik] = false
    idemDirty[ik] = true
  end
  outcomes[nt] = 'f'
  out[no] = 'F'
  recorded = true
end

local nJ = tonumber(A[a])
a = a + 1
for _ = 1, nJ do
  local kind = A[a]
  a = a + 1
  if kind == 'c' then
    charge(nil)
  elseif kind == 'C' then
    a = a + 1
    charge(tPoints[tonumber(A[a - 1])])
  elseif kind == 'r' then
    refund()
  else
    if kind == 'a' then
      moveLines(1)
    end
    nt = nt + 1
    outcomes[nt] = kind == 'a' and 'a' or 'x'
    no = no + 1
    out[no] = kind == 'a' and 'A' or 'X'
    recorded = true
  end
end

local function write(key, list, field, value, delta)
  local args, n = {}, 0
  for i = 1, #list do
    local m = list[i]
    if delta[m] ~= 0 then
      args[n + 1], args[n + 2] = field[m], fmt(value[m])
      n = n + 2
    end
  end
  if n > 0 then redis.call('HSET', key, unpack(args, 1, n)) end
  return n > 0
end
for p = 1, nP do write(KEYS[P0 + p], cMembers[p], cField, used, cDelta) end
for w = 1, nW do
  if write(KEYS[W0 + w], rMembers[w], rField, count, rDelta) and fresh[w] then redis.call('PEXPIRE', KEYS[W0 + w], wTtl[w]) end
end
for i in pairs(idemDirty) do
  if idem[i] then
    redis.call('SET', KEYS[I0 + i], idem[i], 'PX', idemTtl[i])
  else
    redis.call('DEL', KEYS[I0 + i])
  end
end
for f in pairs(refundDirty) do redis.call('SET', KEYS[F0 + f], '1', 'PX', A[5]) end

local summary = table.concat(outcomes, ' ', 1, nt)
if recorded then out[3] = redis.call('XADD', KEYS[2], '*', 'e', epoch, 'd', ARGV[2], 'o', summary) end
out[4] = summary
-- One string, its parts joined by NUL, rather than an array: the client decodes one bulk string far
-- faster than many small replies. Counters from 1e14 on would print with an exponent: written whole.
for i = 5, no do
  local v = out[i]
  if type(v) == 'number' and (v >= 1e14 or v <= -1e14) then out[i] = fmt(v) end
end
return table.concat(out, '\0', 1, no)
