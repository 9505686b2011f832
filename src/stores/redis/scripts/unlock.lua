-- Releases a lock if this caller still holds it (its token), so a lapsed lock taken over by
-- another process is left alone.
-- KEYS: 1 the lock. ARGV: 1 the token.
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
