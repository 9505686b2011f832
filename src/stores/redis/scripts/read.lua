-- Reads counters of one organization, if its state is in this Redis and their periods were loaded
-- in this epoch (else answers as ledger.lua does: {'L'} or {'P', period…}).
-- KEYS: 1 marker, then period hashes. ARGV: (hash, field) of each counter.
local epoch = redis.call('GET', KEYS[1])
if not epoch then return {'L'} end
local missing = {}
for p = 2, #KEYS do
  if redis.call('HGET', KEYS[p], '_l') ~= epoch then missing[#missing + 1] = p - 1 end
end
if #missing > 0 then return {'P', unpack(missing)} end
local out = {'K'}
for i = 1, #ARGV, 2 do
  out[#out + 1] = tonumber(redis.call('HGET', KEYS[1 + tonumber(ARGV[i])], ARGV[i + 1]) or 0)
end
return out
