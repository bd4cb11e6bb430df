-- wrk script: residents rating one project, each request a new phone (no cookie) from a
-- random address (the platform trusts one proxy hop, as behind nginx).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
request = function()
  local ip = string.format("%d.%d.%d.%d", math.random(1, 223), math.random(0, 255),
                           math.random(0, 255), math.random(1, 254))
  wrk.headers["X-Forwarded-For"] = ip
  local body = string.format('{"score": %d, "quality": %d}', math.random(60, 100),
                             math.random(60, 100))
  return wrk.format(nil, nil, nil, body)
end

-- The latency distribution's upper part, so that the bench can merge its alternating turns
-- into one p99 over every request.
done = function(summary, latency, requests)
  for _, p in ipairs({50, 75, 90, 95, 97, 98, 98.5, 99, 99.2, 99.4, 99.6, 99.8, 99.9, 99.95,
                      99.99, 100}) do
    io.write(string.format("P %g %d\n", p, latency:percentile(p)))
  end
end
