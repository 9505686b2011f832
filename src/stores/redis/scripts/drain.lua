-- What a drain reads (redis-flusher.ts): the current epoch ('' when the state is lost), Redis's
-- clock (ms), and the oldest entries of the organization's stream.
-- KEYS: 1 marker, 2 stream. ARGV: 1 how many entries at most.
local t = redis.call('TIME')
local nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return {redis.call('GET', KEYS[1]) or '', nowMs, redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', ARGV[1])}
