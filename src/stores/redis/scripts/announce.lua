-- Notes that this process writes to an organization's stream, at Redis's clock, so that a sweep
-- finds the stream if the process dies before draining it (redis-flusher.ts).
-- KEYS: 1 the registry of streams. ARGV: 1 the organization.
local t = redis.call('TIME')
local nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'GT', string.format('%.0f', nowMs), ARGV[1])
return 1
