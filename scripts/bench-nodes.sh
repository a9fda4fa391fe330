#!/usr/bin/env bash
# Record-inbound-interaction over HTTP with 1, 2 and 3 Rapport nodes on one PostgreSQL, and the
# loopback ceiling (nginx serving a small static file) under the same load tool in the same run.
#
#   scripts/bench-nodes.sh postgres://user:password@127.0.0.1:5432/rapport_nodes_bench
#
# The database must exist and be empty (it is loaded with --parties/--interactions of generated
# data once). wrk runs one process per node, the connections (RAPPORT_BENCH_CONNECTIONS, 16)
# split between them, RAPPORT_BENCH_SECONDS (20) each; a line of JSON per node count.
# Needs a release build (RAPPORT_BIN, default .build-release/release/rapport), wrk and nginx.
set -euo pipefail
cd "$(dirname "$0")/.."
URL=${1:?usage: scripts/bench-nodes.sh postgres://…/empty_database}
BIN=${RAPPORT_BIN:-.build-release/release/rapport}
PARTIES=${RAPPORT_BENCH_PARTIES:-100000}
INTERACTIONS=${RAPPORT_BENCH_INTERACTIONS:-1000000}
CONNECTIONS=${RAPPORT_BENCH_CONNECTIONS:-16}
SECONDS_EACH=${RAPPORT_BENCH_SECONDS:-20}
BASEPORT=18800
WORK=$(mktemp -d /tmp/rapport-bench-nodes.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" bench load --parties "$PARTIES" --interactions "$INTERACTIONS" --database "$URL" --json | tail -1 >&2
TOKEN=$("$BIN" admin token --database "$URL" --name bench-nodes --scope cti | tail -1)
cat >"$WORK/inbound.lua" <<EOF
math.randomseed(os.time())
request = function()
  local d = string.format("9%09d", math.random(0, $((PARTIES - 1))))
  local body = '{"channel":"phone","address":"8 (' .. d:sub(1,3) .. ') ' .. d:sub(4,6) .. '-' .. d:sub(7,8) .. '-' .. d:sub(9,10) .. '","summary":"bench"}'
  return wrk.format("POST", "/api/v1/interactions/inbound", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer $TOKEN"}, body)
end
EOF

# wrk's report → requests/s, p99 ms, errors
parse() {
  python3 - "$1" <<'EOF'
import re, sys
t = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
def ms(v):
    for u, f in (("us", 0.001), ("ms", 1), ("s", 1000), ("m", 60000)):
        if v.endswith(u): return float(v[:-len(u)]) * f
    return float(v)
p50 = ms(re.search(r"\n\s+50\.000%\s+(\S+)|\n\s+50%\s+(\S+)", t).group(0).split()[-1])
p99 = ms(re.search(r"\n\s+99\.000%\s+(\S+)|\n\s+99%\s+(\S+)", t).group(0).split()[-1])
errs = sum(int(x) for x in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", t))
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
if sock: errs += sum(int(x) for x in sock.groups())
print(rps, p50, p99, errs)
EOF
}

for nodes in 1 2 3; do
  PIDS=()
  for i in $(seq 1 "$nodes"); do
    RAPPORT_RATE_LIMIT=0 "$BIN" serve --no-workers --database "$URL" --port $((BASEPORT + i)) >"$WORK/node$i.log" 2>&1 &
    PIDS+=($!)
  done
  for i in $(seq 1 "$nodes"); do
    up=""
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$((BASEPORT + i))/health" >/dev/null && { up=1; break; }; sleep 0.1; done
    [ -n "$up" ] || { echo "node $i did not start"; cat "$WORK/node$i.log"; exit 1; }
  done
  per=$((CONNECTIONS / nodes))  # 16 over 3 nodes: 5 each, 15 in all (reported as used)
  WARM=()
  for i in $(seq 1 "$nodes"); do wrk -t1 -c"$per" -d3s -s "$WORK/inbound.lua" "http://127.0.0.1:$((BASEPORT + i))/" >/dev/null & WARM+=($!); done
  wait "${WARM[@]}"
  WRKS=()
  for i in $(seq 1 "$nodes"); do
    wrk -t1 -c"$per" -d"${SECONDS_EACH}s" --latency -s "$WORK/inbound.lua" "http://127.0.0.1:$((BASEPORT + i))/" >"$WORK/wrk$i.txt" &
    WRKS+=($!)
  done
  wait "${WRKS[@]}"
  total=0; p99=0; p50=0; errors=0
  for i in $(seq 1 "$nodes"); do
    read -r r m50 m99 e < <(parse "$WORK/wrk$i.txt")
    total=$(python3 -c "print($total + $r)"); p99=$(python3 -c "print(max($p99, $m99))"); p50=$(python3 -c "print(max($p50, $m50))"); errors=$((errors + e))
  done
  rss=0
  for p in "${PIDS[@]}"; do rss=$(python3 -c "print(max($rss, int(open('/proc/$p/status').read().split('VmHWM:')[1].split()[0]) / 1024))"); done
  echo "{\"scenario\":\"record-inbound-nodes\",\"nodes\":$nodes,\"connections\":$((per * nodes)),\"ops_per_s\":$total,\"p50_ms\":$p50,\"p99_ms\":$p99,\"errors\":$errors,\"rss_mb\":$rss,\"parties\":$PARTIES,\"interactions\":$INTERACTIONS}"
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  PIDS=()
done

# The loopback ceiling: nginx, a small static file, the same wrk and connections.
mkdir -p "$WORK/www" && echo '{"status":"ok"}' >"$WORK/www/hello.json"
chmod 755 "$WORK" "$WORK/www"; chmod 644 "$WORK/www/hello.json"  # nginx's workers read it as another user
cat >"$WORK/nginx.conf" <<EOF
daemon on; worker_processes auto; pid $WORK/nginx.pid; error_log $WORK/error.log;
events { worker_connections 1024; }
http { access_log off; client_body_temp_path $WORK/body; proxy_temp_path $WORK/proxy; fastcgi_temp_path $WORK/fastcgi;
       uwsgi_temp_path $WORK/uwsgi; scgi_temp_path $WORK/scgi;
       server { listen 127.0.0.1:$((BASEPORT + 9)); root $WORK/www; } }
EOF
nginx -c "$WORK/nginx.conf" -p "$WORK"
sleep 0.5
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" --latency "http://127.0.0.1:$((BASEPORT + 9))/hello.json" >"$WORK/nginx.txt"
read -r r m50 m99 e < <(parse "$WORK/nginx.txt")
echo "{\"scenario\":\"nginx-static\",\"connections\":$CONNECTIONS,\"ops_per_s\":$r,\"p50_ms\":$m50,\"p99_ms\":$m99,\"errors\":$e}"
