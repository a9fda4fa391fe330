#!/usr/bin/env python3
"""Load for the multi-node test: record inbound contacts over HTTP, spread round-robin over the
nodes, from several threads, for a number of seconds. A request counts as acknowledged only when a
node answered 201; a refused connection (a killed node) moves on to the next node. Writes the
acknowledged interaction ids, one per line, and prints a JSON summary.

Then `--verify FILE` reads every id back from one node and fails unless all are there."""
import argparse
import http.client
import json
import sys
import threading
import time


def connect(port):
    return http.client.HTTPConnection("127.0.0.1", port, timeout=10)


def load(args):
    ports = [int(p) for p in args.ports.split(",")]
    headers = {"Authorization": "Bearer " + args.token, "Content-Type": "application/json"}
    acked, errors, refused = [], [], [0]
    lock = threading.Lock()
    stop = time.monotonic() + args.seconds

    def worker(n):
        conns = {}
        i = n
        while time.monotonic() < stop:
            port = ports[i % len(ports)]
            i += 1
            body = json.dumps({"channel": "phone", "address": "+7 916 555 %02d %02d" % (n, i % 100),
                               "summary": "multi-node load %d/%d" % (n, i)})
            try:
                conn = conns.get(port) or connect(port)
                conns[port] = conn
                conn.request("POST", "/api/v1/interactions/inbound", body, headers)
                resp = conn.getresponse()
                data = resp.read()
            except (ConnectionError, OSError, http.client.HTTPException):
                # Not acknowledged: the node is gone (or going). Try the next one.
                conns.pop(port, None)
                with lock:
                    refused[0] += 1
                continue
            if resp.status == 201:
                with lock:
                    acked.append(json.loads(data)["interaction"]["id"])
            else:
                with lock:
                    errors.append("%d %s" % (resp.status, data[:200]))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(args.out, "w") as f:
        f.write("\n".join(acked) + ("\n" if acked else ""))
    print(json.dumps({"acknowledged": len(acked), "refused": refused[0], "errors": len(errors),
                      "first_errors": errors[:5]}))
    return 0 if not errors else 1


def verify(args):
    port = int(args.ports.split(",")[0])
    headers = {"Authorization": "Bearer " + args.token}
    ids = [line.strip() for line in open(args.verify) if line.strip()]
    conn = connect(port)
    missing = []
    for i in ids:
        conn.request("GET", "/api/v1/interactions/" + i, headers=headers)
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            missing.append((i, resp.status))
    print(json.dumps({"checked": len(ids), "missing": len(missing), "first_missing": missing[:5]}))
    return 0 if not missing else 1


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ports", required=True, help="comma-separated node ports")
    p.add_argument("--token", required=True)
    p.add_argument("--seconds", type=float, default=8)
    p.add_argument("--threads", type=int, default=6)
    p.add_argument("--out", default="acked.txt")
    p.add_argument("--verify", help="a file of acknowledged ids to read back")
    args = p.parse_args()
    sys.exit(verify(args) if args.verify else load(args))


if __name__ == "__main__":
    main()
