-- Loads counters of periods not yet loaded in the current epoch, from what PostgreSQL holds
-- (redis-loader.ts). Nothing in this epoch has moved them: every script refuses to touch a period
-- hash before its `_l` field names the epoch. Another process may have loaded one meanwhile: then
-- it is left as it is.
-- KEYS: 1 marker, then period hashes. ARGV: the epoch read before PostgreSQL was, then for each
-- hash: n, then n (field, value).
-- Answers 0 when the epoch changed since (the caller starts over), 1 otherwise.
local epoch = redis.call('GET', KEYS[1])
if epoch ~= ARGV[1] then return 0 end
local a = 2
for p = 2, #KEYS do
  local n = tonumber(ARGV[a])
  a = a + 1
  if redis.call('HGET', KEYS[p], '_l') ~= epoch then
    redis.call('DEL', KEYS[p])
    for _ = 1, n do
      redis.call('HSET', KEYS[p], ARGV[a], ARGV[a + 1])
      a = a + 2
    end
    redis.call('HSET', KEYS[p], '_l', epoch)
  else
    a = a + 2 * n
  end
end
return 1
