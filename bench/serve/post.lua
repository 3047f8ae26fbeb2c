-- wrk script: POST the body in $BODY to $PATH_INFER, with Inference-Header-Content-Length
-- $HEADER_LENGTH when it is >= 0 (binary tensor data extension). Counts statuses so that 503s
-- (overload) and other non-200s are reported separately in done().
local f = assert(io.open(os.getenv("BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*all")
f:close()
wrk.path = os.getenv("PATH_INFER")
wrk.headers["Content-Type"] = "application/json"
local hl = tonumber(os.getenv("HEADER_LENGTH") or "-1")
if hl >= 0 then
  wrk.headers["Inference-Header-Content-Length"] = tostring(hl)
end

local counts = {}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for k, v in pairs(s) do
      total[k] = (total[k] or 0) + v
    end
  end
  local parts = {}
  for k, v in pairs(total) do
    table.insert(parts, k .. "=" .. v)
  end
  table.sort(parts)
  io.write("statuses: " .. table.concat(parts, " ") .. "\n")
  io.write(string.format("p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
