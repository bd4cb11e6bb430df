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
