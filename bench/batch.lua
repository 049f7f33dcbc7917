-- wrk script of `scripts/bench batch`: POST /batches of BENCH_BATCH_SIZE transfers between random
-- wallets, each transfer with its own idempotency key, mode independent. response() adds up the
-- operations each answer says succeeded; done() prints one line the script parses: batches,
-- duration, p50/p99/p999 in ms, errors, transfers that succeeded.
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS")) do ids[#ids + 1] = line end
local auth = "Bearer " .. os.getenv("BENCH_SECRET")
local run = os.getenv("BENCH_RUN_ID")
local size = tonumber(os.getenv("BENCH_BATCH_SIZE"))
local threads = {}
local counter = 0
succeeded = 0

setup = function(thread)
  threads[#threads + 1] = thread
  thread:set("tid", #threads)
end

init = function()
  math.randomseed(tid * 7919 + os.time())
end

response = function(status, _, body)
  if status == 200 then
    local n = body:match('"succeeded":(%d+)')
    if n then succeeded = succeeded + tonumber(n) end
  end
end

request = function()
  counter = counter + 1
  local ops = {}
  for k = 1, size do
    local i, j = math.random(#ids), math.random(#ids - 1)
    if j >= i then j = j + 1 end
    ops[k] = string.format('{"op":"transfer","sender_id":"%s","receiver_id":"%s","amount":%d,"idempotency_key":"%s-%d-%d-%d"}',
      ids[i], ids[j], math.random(100), run, tid, counter, k)
  end
  local body = '{"mode":"independent","operations":[' .. table.concat(ops, ",") .. ']}'
  return wrk.format("POST", "/batches", {["Authorization"] = auth, ["Content-Type"] = "application/json"}, body)
end

done = function(summary, latency)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("succeeded") end
  local e = summary.errors
  io.write(string.format("BENCH %d %.3f %.3f %.3f %.3f %d %d\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
    e.connect + e.read + e.write + e.timeout + e.status, total))
end
