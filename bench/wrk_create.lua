-- wrk script: an Opsgenie Create with a unique alert id per request (so dedupe never turns the load into
-- duplicates). Usage: wrk -s bench/wrk_create.lua URL -- <prefix>
local next_thread = 0
function setup(thread)
  thread:set("thread_id", next_thread)
  next_thread = next_thread + 1
end

local prefix = "wrk"
local counter = 0
function init(args)
  if args[1] then prefix = args[1] end
end

function request()
  counter = counter + 1
  local alert = string.format("%s-%d-%d", prefix, thread_id, counter)
  local body = '{"action":"Create","alert":{"alertId":"' .. alert .. '","message":"CPU load high on web-17",' ..
    '"tinyId":"42","entity":"web-17","alias":"' .. alert .. '","priority":"P2","username":"monitor@example.com",' ..
    '"userId":"8d43133c-a002-4e95-bf2b-2d6f95e47c96","responders":[{"id":"4513b7ea","type":"team","name":"ops"}],' ..
    '"tags":["web"],"description":"load 12.3"},"source":{"name":"web","type":"API"},' ..
    '"integrationId":"be4c4000-0000-4000-8000-00000000be4c","integrationName":"Webhook"}'
  return wrk.format("POST", "/ops-webhook", {["Content-Type"] = "application/json"}, body)
end
