-- wrk script: a stream of distinct Evolution messages.upsert events (a new id each, spread over
-- many members), with the shared-secret header.
local counter = 0
-- Lua's random numbers repeat from run to run unless seeded: the second run's ids would all be
-- duplicates of the first's, stored once and reported as "answered but not stored".
math.randomseed(os.time())
local template = [[{"event":"messages.upsert","instance":"bench","data":{"key":{"remoteJid":"55119%08d@s.whatsapp.net","fromMe":false,"id":"B%d-%d"},"pushName":"Bench","message":{"conversation":"qual o horario do muay thai?"},"messageType":"conversation","messageTimestamp":%d},"sender":"5511900000000@s.whatsapp.net"}]]

function setup(thread)
  thread:set("tid", math.random(1, 1000000000))
end

request = function()
  counter = counter + 1
  local body = string.format(template, counter % 5000, tid, counter, os.time())
  return wrk.format("POST", "/webhooks/evolution", {["Content-Type"] = "application/json", ["X-Webhook-Secret"] = os.getenv("WEBHOOK_SECRET") or "bench-secret-bench-secret-bench-secret"}, body)
end
