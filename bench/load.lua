-- wrk script: one page, with the session cookie; POSTs get a fresh idempotency key each.
local cookie = os.getenv("BENCH_COOKIE") or ""
local method = os.getenv("BENCH_METHOD") or "GET"
local body_prefix = os.getenv("BENCH_BODY") or ""
local run = tonumber(os.getenv("BENCH_RUN") or "1")
local threads = {}
local counter = 0
local tid = 0

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  tid = wrk.thread:get("tid") or 0
end

request = function()
  local headers = {["Cookie"] = cookie}
  if method == "POST" then
    counter = counter + 1
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    local key = string.format("%08x-%04x-4000-8000-%012x", run, tid, counter)
    return wrk.format("POST", nil, headers, body_prefix .. "&idempotency_key=" .. key)
  end
  return wrk.format("GET", nil, headers)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "JSON {\"requests\":%d,\"duration_us\":%d,\"p50_us\":%d,\"p95_us\":%d,\"p99_us\":%d," ..
    "\"bad_status\":%d,\"socket_errors\":%d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
