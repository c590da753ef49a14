-- A call-center lookup: one person by email, with identities, traits, stats and the five newest events.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/graphql-response+json"
wrk.body = [[{"query":"query($id: String!) { profile(namespace: \"email\", id: $id) { id identities { namespace id } traits stats { eventCount lifetimeRevenue mostEngagedChannel } events(last: 5) { type timestamp channel } } }","variables":{"id":"sarah@luma.example"}}]]

failures = 0
local threads = {}
setup = function(thread) table.insert(threads, thread) end
response = function(status, headers, body)
  if status ~= 200 or not string.find(body, "sarah@luma.example", 1, true) then failures = failures + 1 end
end
done = function(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("failures") end
  io.write(string.format("responses without Sarah's profile: %d (non-2xx %d)\n", bad, summary.errors.status))
end
