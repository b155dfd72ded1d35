-- Replays pre-built requests (one per line: digest \t signature-input \t signature \t body),
-- each thread its own slice, so no signed nonce is sent twice. Counts non-success answers.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local path, path_target, thread_count = args[1], args[2], tonumber(args[3])
  requests = {}
  local index = 0
  for line in io.lines(path) do
    if index % thread_count == id then
      local digest, input, signature, body = line:match("([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)")
      local headers = {["Content-Type"] = "application/json"}
      if digest ~= "" then
        headers["Content-Digest"] = digest
        headers["Signature-Input"] = input
        headers["Signature"] = signature
      end
      table.insert(requests, wrk.format("POST", path_target, headers, body))
    end
    index = index + 1
  end
  next_request = 1
  failures = 0
  exhausted = 0
end

function request()
  if next_request > #requests then
    exhausted = exhausted + 1
    next_request = 1  -- replays from here on are refused (NONCE_REPLAYED) and counted below
  end
  local r = requests[next_request]
  next_request = next_request + 1
  return r
end

function response(status, headers, body)
  if status ~= 200 or (body:find('"errors"', 1, true) and not body:find('"errors":[]', 1, true)) then
    failures = failures + 1
  end
end

function done(summary, latency, requests_done)
  local failed, wrapped = 0, 0
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("failures")
    wrapped = wrapped + thread:get("exhausted")
  end
  io.write(string.format("RESULT requests=%d seconds=%.3f p50_ms=%.3f p99_ms=%.3f failures=%d wrapped=%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3, failed, wrapped))
end
