-- Bulk ingestion over POST /v1/events: batches of BATCH events, each with a fresh id, spread over
-- PEOPLE people (email + device), so the grid stitches, appends and updates stats as in production.
local batch = tonumber(os.getenv("BATCH") or "500")
local people = tonumber(os.getenv("PEOPLE") or "20000")
local run = os.getenv("RUN") or tostring(os.time())
local types = { "web.pageView", "commerce.productView", "commerce.addToCart", "commerce.purchase", "email.open", "push.open" }
local channels = { "web", "web", "mobile", "web", "email", "push" }
local counter = 0
local next_thread = 0
tid = 0
bad = 0
local threads = {}

setup = function(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
  table.insert(threads, thread)
end

init = function(args)
  math.randomseed(os.time() + tid * 7919)
end

request = function()
  counter = counter + 1
  local ts = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() - 60)
  local parts = {}
  for i = 1, batch do
    local p = math.random(people)
    local k = math.random(#types)
    parts[i] = string.format(
      '{"id":"%s-%d-%d-%d","type":"%s","timestamp":"%s","channel":"%s","revenue":%s,"identities":[{"namespace":"email","id":"p%d@bench.example"},{"namespace":"ecid","id":"dev-%d"}]}',
      run, tid, counter, i, types[k], ts, channels[k], (k == 4) and "25.5" or "null", p, p)
  end
  return wrk.format("POST", "/v1/events", { ["Content-Type"] = "application/json" }, "[" .. table.concat(parts, ",") .. "]")
end

response = function(status, headers, body)
  if status ~= 200 or not string.find(body, '"accepted":' .. batch, 1, true) then bad = bad + 1 end
end

done = function(summary, latency, requests)
  local failed = 0
  for _, t in ipairs(threads) do failed = failed + t:get("bad") end
  local good = summary.requests - failed
  io.write(string.format("batch size %d; requests %d, of which not accepting the whole batch %d\n", batch, summary.requests, failed))
  io.write(string.format("accepted events/s: %.0f\n", good * batch / (summary.duration / 1e6)))
end
