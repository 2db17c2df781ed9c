# Usage: e2e.py HOST:PORT N — N sequential POSTs of a cheap query on one keep-alive connection; p50/p90 in ms.
import http.client, json, sys, time
host, port = sys.argv[1].split(":")
n = int(sys.argv[2])
body = json.dumps({"query": "{ languages { code } }"})
c = http.client.HTTPConnection(host, int(port))
lat = []
for i in range(n + 200):
    t = time.perf_counter()
    c.request("POST", "/graphql", body, {"Content-Type": "application/json"})
    r = c.getresponse(); r.read()
    assert r.status == 200, r.status
    if i >= 200:
        lat.append((time.perf_counter() - t) * 1000)
lat.sort()
print(f"n={n} p50_ms={lat[n//2]:.3f} p90_ms={lat[n*9//10]:.3f}")
