-- wrk: GET a filtered page of applications as an operator.
package.path = package.path .. ";" .. os.getenv("BENCH_DIR") .. "/?.lua"
local report = require("report")

function request()
  wrk.headers["X-API-Key"] = os.getenv("BENCH_API_KEY")
  return wrk.format("GET", "/api/v1/applications?status=new&territory=cantal&verdict=eligible&page=3&page_size=50")
end

done = report.done
