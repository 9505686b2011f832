-- Rebuilds an organization's state after it was lost (redis-loader.ts), in chunks, while no
-- marker exists (so no charge runs); the last chunk sets the marker, a new epoch, and releases
-- the rebuild lock. A chunk arriving after a marker exists (a slower rebuild) changes nothing.
-- KEYS: 1 marker, 2 lock, then the keys to write. ARGV: 1 the new epoch on the last chunk, else '';
-- 2 the lock's token; then for each key: s value ttl (a string) | h ttl n (field value)* (a
-- minute window) | p n (field value)* (a period's counters).
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local epoch = ARGV[1]
local a = 3
for k = 3, #KEYS do
  local kind = ARGV[a]
  if kind == 's' then
    redis.call('SET', KEYS[k], ARGV[a + 1], 'PX', ARGV[a + 2])
    a = a + 3
  elseif kind == 'h' then
    local ttl, n = ARGV[a + 1], tonumber(ARGV[a + 2])
    a = a + 3
    for _ = 1, n do
      redis.call('HSET', KEYS[k], ARGV[a], ARGV[a + 1])
      a = a + 2
    end
    redis.call('PEXPIRE', KEYS[k], ttl)
  else
    local n = tonumber(ARGV[a + 1])
    a = a + 2
    redis.call('DEL', KEYS[k])
    for _ = 1, n do
      redis.call('HSET', KEYS[k], ARGV[a], ARGV[a + 1])
      a = a + 2
    end
    redis.call('HSET', KEYS[k], '_l', epoch)
  end
end
if epoch ~= '' then
  redis.call('SET', KEYS[1], epoch)
  if redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
end
return 1
