-- wrk: GET the liveness probe (the server's ceiling for a request that does no work).
package.path = package.path .. ";" .. os.getenv("BENCH_DIR") .. "/?.lua"
local report = require("report")

function request()
  return wrk.format("GET", "/api/v1/health")
end

done = report.done
