-- Requests for bench/http_api.py, chosen by BENCH_MODE:
--   list   a supervisor's case-list page (BENCH_TOKEN), pages 1–10 in turn
--   track  the public tracking page of one of BENCH_CODES (comma-separated), in turn
--   file   a public complaint filing about household BENCH_FIRST + k (k below BENCH_POOL)
--   path   GET BENCH_PATH (the bare baseline)
-- `done` prints one line the benchmark parses: RESULT requests duration_us p50_us p99_us errors.

local mode = os.getenv("BENCH_MODE") or "path"
local token = os.getenv("BENCH_TOKEN") or ""
local path = os.getenv("BENCH_PATH") or "/"
local first = tonumber(os.getenv("BENCH_FIRST") or "1")
local pool = tonumber(os.getenv("BENCH_POOL") or "1")
local codes = {}
for code in string.gmatch(os.getenv("BENCH_CODES") or "", "[^,]+") do
  table.insert(codes, code)
end

local threads = {}
function setup(thread)
  thread:set("slot", #threads)
  table.insert(threads, thread)
end

local count = 0
local body_format = '{"subject":{"registry_id":"DTKS-%06d"},"reasons":["mampu","owns_car"],'
  .. '"description":"Keluarga ini punya mobil dan toko besar di pasar desa.",'
  .. '"reporter":{"name":"Warga Desa","phone":"081234567890"}}'

function request()
  count = count + 1
  if mode == "list" then
    return wrk.format("GET", "/api/v1/cases?per_page=25&page=" .. (count % 10 + 1),
      { ["Authorization"] = "Bearer " .. token })
  elseif mode == "track" then
    return wrk.format("GET", "/api/v1/complaints/track/" .. codes[count % #codes + 1])
  elseif mode == "file" then
    -- Two wrk threads: even and odd households, so no two requests name the same one early.
    local n = first + (count * 2 + slot) % pool
    return wrk.format("POST", "/api/v1/complaints",
      { ["Content-Type"] = "application/json" }, string.format(body_format, n))
  end
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
