-- wrk: POST /api/v1/applications, a new Idempotency-Key and phone number per request.
package.path = package.path .. ";" .. os.getenv("BENCH_DIR") .. "/?.lua"
local report = require("report")

local threads = {}
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
  table.insert(threads, thread)
end

local counter = 0
local run = tostring(os.time())
local body_template = [[{"first_name":"Bench","last_name":"User","phone":"+3361%07d",
"email":null,"language":"fr","channel":"sms","consent_at":"2026-01-01T10:00:00+01:00",
"answers":{"residence_area":"ile_de_france","housing_situation":"emergency_shelter",
"right_to_work":"yes","work_situation":"unemployed","ready_to_move":"yes","adults":1,
"children":2,"trades":["building"],"experience_years":3,"driving_licence":"no",
"french_level":"intermediate"},"territory_preferences":["cantal"],
"verdict":{"result":"eligible","reasons":[],"rules_version":"2024.1"}}]]

function request()
  counter = counter + 1
  local n = (tid or 0) * 1000000 + counter
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-API-Key"] = os.getenv("BENCH_API_KEY")
  wrk.headers["Idempotency-Key"] = "bench-" .. run .. "-" .. n
  return wrk.format("POST", "/api/v1/applications", nil, string.format(body_template, n % 10000000))
end

done = report.done
