-- wrk script of `scripts/bench transfers`: POST /transfers between random wallets (or, with
-- BENCH_HOT_ID, always from that one), each with an API key and its own idempotency key. With
-- BENCH_PENDING=1 each transfer is two-phase: POST /transfers with "pending": true, and once its
-- answer names the transfer, POST /transfers/{id}/capture (so about half the requests are
-- captures). With BENCH_METADATA=1 each transfer carries about 200 bytes of metadata. done() prints one line the script parses: requests, duration, p50/p99/p999 in ms,
-- errors.
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS")) do ids[#ids + 1] = line end
local hot = os.getenv("BENCH_HOT_ID") or ""
local auth = "Bearer " .. os.getenv("BENCH_SECRET")
local run = os.getenv("BENCH_RUN_ID")
local pending = os.getenv("BENCH_PENDING") == "1"
local with_metadata = os.getenv("BENCH_METADATA") == "1"
local to_capture = {}  -- this thread's authorised transfers waiting for their capture
local threads = 0
local counter = 0

setup = function(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

init = function()
  math.randomseed(tid * 7919 + os.time())
end

local function headers()
  return {
    ["Authorization"] = auth,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = run .. "-" .. tid .. "-" .. counter,
  }
end

response = function(status, _, body)
  if pending and status == 201 then
    local id = body:match('"id":"([0-9a-f%-]+)"')
    if id then to_capture[#to_capture + 1] = id end
  end
end

request = function()
  counter = counter + 1
  if pending and #to_capture > 0 then
    local id = table.remove(to_capture, 1)
    return wrk.format("POST", "/transfers/" .. id .. "/capture", headers(), "{}")
  end
  local from, to
  if hot ~= "" then
    from, to = hot, ids[math.random(#ids)]
  else
    local i, j = math.random(#ids), math.random(#ids - 1)
    if j >= i then j = j + 1 end
    from, to = ids[i], ids[j]
  end
  -- About 200 bytes of pairs, one of them unique (an order id), as a shop would send.
  local metadata = with_metadata and string.format(',"metadata":{"order_id":"ord-%s-%d-%d","customer":"cust-%05d",'
    .. '"channel":"web","campaign":"winter-sale-2026","note":"a bench transfer with pairs of its own"}',
    run, tid, counter, math.random(99999)) or ""
  local body = string.format('{"sender_id":"%s","receiver_id":"%s","amount":%d%s%s}', from, to, math.random(100),
    pending and ',"pending":true' or "", metadata)
  return wrk.format("POST", "/transfers", headers(), body)
end

done = function(summary, latency)
  local e = summary.errors
  io.write(string.format("BENCH %d %.3f %.3f %.3f %.3f %d\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
    e.connect + e.read + e.write + e.timeout + e.status))
end
