-- wrk script: an Opsgenie Create as Opsgenie sends it, a new alert per request: a random UUID as the alert
-- id and updatedAt in nanoseconds, so dedupe never turns the load into duplicates and every index keyed by
-- alert sees keys as scattered as real ones. Usage: wrk -s bench/wrk_create.lua URL -- <prefix>
-- (the prefix, with the time, seeds the ids, so rounds never repeat one another's alerts).
local next_thread = 0
function setup(thread)
  thread:set("thread_id", next_thread)
  next_thread = next_thread + 1
end

local counter = 0
function init(args)
  local seed = os.time() * 7919 + thread_id * 104729
  for c in (args[1] or "wrk"):gmatch(".") do seed = (seed * 31 + c:byte()) % 2147483647 end
  math.randomseed(seed)
end

local function uuid()
  return string.format("%08x-%04x-4%03x-%04x-%012x", math.random(0, 0xffffffff), math.random(0, 0xffff),
    math.random(0, 0xfff), math.random(0x8000, 0xbfff), math.random(0, 0xffffffffffff))
end

function request()
  counter = counter + 1
  local alert = uuid()
  local updated = string.format("%d%09d", os.time(), counter % 1000000000)
  local body = '{"action":"Create","alert":{"alertId":"' .. alert .. '","message":"CPU load high on web-17",' ..
    '"tinyId":"42","entity":"web-17","alias":"' .. alert .. '","priority":"P2","username":"monitor@example.com",' ..
    '"userId":"8d43133c-a002-4e95-bf2b-2d6f95e47c96","responders":[{"id":"4513b7ea","type":"team","name":"ops"}],' ..
    '"tags":["web"],"description":"load 12.3","createdAt":' .. updated .. ',"updatedAt":' .. updated .. '},' ..
    '"source":{"name":"web","type":"API"},' ..
    '"integrationId":"be4c4000-0000-4000-8000-00000000be4c","integrationName":"Webhook"}'
  return wrk.format("POST", "/ops-webhook", {["Content-Type"] = "application/json"}, body)
end
