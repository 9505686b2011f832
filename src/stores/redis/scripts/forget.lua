-- Removes an organization from the registry of streams if nobody announced it since `before`
-- (redis-flusher.ts explains why that is safe once its stream was drained empty).
-- KEYS: 1 the registry of streams. ARGV: 1 the organization, 2 before (Redis ms).
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) < tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 1
end
return 0
