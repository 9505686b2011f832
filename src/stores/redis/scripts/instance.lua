-- How long ago (ms, Redis's clock) this Redis was first used by Tollgate under this prefix. The
-- stamp goes with the data: after a FLUSHALL or a restart without persistence it is young again.
-- KEYS: 1 the instance stamp.
local t = redis.call('TIME')
local nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local born = redis.call('GET', KEYS[1])
if not born then
  redis.call('SET', KEYS[1], string.format('%.0f', nowMs))
  return 0
end
return nowMs - tonumber(born)
