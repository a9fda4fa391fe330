#!/usr/bin/env python3
"""A local SMS gateway for tests: honours the idempotency key and fails some requests.

    python3 scripts/sms-receiver.py --port 18791 [--fail-every N]

POST /sms      a message; its Idempotency-Key header decides whether it is new (delivered) or a repeat
               (acknowledged, not delivered again). Every Nth request is answered 503 before looking at it.
GET  /stats    {"requests": …, "unique": …, "repeats": …, "failed": …}
Prints "ready" once listening; runs until killed. It outlives the Rapport process a crash test kills.
"""
import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
state = {"requests": 0, "unique": 0, "repeats": 0, "failed": 0}
seen = set()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fail_every = 0

    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        with lock:
            snapshot = dict(state)
        self.reply(200, snapshot)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        key = self.headers.get("Idempotency-Key") or ""
        with lock:
            state["requests"] += 1
            n = state["requests"]
            if self.fail_every and n % self.fail_every == 0:
                state["failed"] += 1
                fail = True
            else:
                fail = False
                if key in seen:
                    state["repeats"] += 1
                else:
                    seen.add(key)
                    state["unique"] += 1
        if fail:
            self.reply(503, {"error": "try again"})
        else:
            self.reply(200, {"message_id": "recv-%d" % n})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--fail-every", type=int, default=0)
    args = parser.parse_args()
    Handler.fail_every = args.fail_every
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
