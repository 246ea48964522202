"""A forwarding HTTP proxy on 127.0.0.1 that breaks responses on purpose (stdlib only).

It stands between the client and a real server (nginx, fake-gcs-server); every request it does
not break is forwarded unchanged and the real server's answer is relayed byte for byte. Faults
are consumed in order, one per request, from a plan like "503x3,truncate,reset"; after the plan
every request passes through (or, with --repeat, the plan starts over).

Faults:
  503 / 429 / 500 ...   answer with that status and a short body, without asking upstream
  truncate              relay the headers with the full Content-Length, then half the body, close
  short-length          relay the body with a Content-Length one byte short of it
  reset                 close the connection without any response
  delay=MS              wait MS milliseconds, then forward

With --only REGEX, faults apply only to requests whose "METHOD /path?query" matches REGEX (e.g.
"^(POST|PUT) .*commit_success" to break the upload of a commit marker); the others pass and
consume nothing.
With --keep-host the client's Host header is forwarded unchanged, as a SigV4 signature covers it.

usage: fault_proxy.py --upstream http://127.0.0.1:PORT --plan PLAN [--repeat] [--only TEXT] [--keep-host]
Prints "PORT <n>" on its first line once it listens; logs one line per request to stderr.
"""
import argparse
import http.client
import re
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def parse_plan(text):
    plan = []
    for item in filter(None, (t.strip() for t in text.split(","))):
        name, _, count = item.partition("x")
        if name.startswith("delay="):
            name, count = item, "1"
        plan += [name] * int(count or 1)
    return plan


class Faults:
    def __init__(self, plan, repeat):
        self.plan, self.repeat, self.index, self.lock = plan, repeat, 0, threading.Lock()

    def next(self):
        with self.lock:
            if not self.plan or (self.index >= len(self.plan) and not self.repeat):
                return None
            fault = self.plan[self.index % len(self.plan)]
            self.index += 1
            return fault


def make_handler(upstream, faults, only=None, keep_host=False):
    target = urllib.parse.urlparse(upstream)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            sys.stderr.write("fault_proxy: " + fmt % args + "\n")

        def forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            headers["Host"] = self.headers.get("Host", target.netloc) if keep_host else target.netloc
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            conn.close()
            return resp, data

        def send_relayed(self, resp, data, length=None, body=None):
            self.send_response_only(resp.status, resp.reason)
            for k, v in resp.getheaders():
                if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(k, v)
            if self.command == "HEAD":
                length = resp.getheader("Content-Length", "0")  # a HEAD answer has no body to count
            self.send_header("Content-Length", str(len(data) if length is None else length))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data if body is None else body)

        def handle_any(self):
            fault = faults.next() if only is None or re.search(only, f"{self.command} {self.path}") else None
            self.log_message("%s %s fault=%s", self.command, self.path, fault or "none")
            if fault == "reset":
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            if fault and fault.isdigit():
                # Read the request body first, or its bytes would be taken for the next request.
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                text = f"injected {fault}\n".encode()
                self.send_response(int(fault))
                self.send_header("Content-Length", str(len(text)))
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(text)
                return
            if fault and fault.startswith("delay="):
                time.sleep(int(fault.split("=", 1)[1]) / 1000.0)
            try:
                resp, data = self.forward()
            except OSError as e:
                self.log_message("upstream failed: %s", e)
                self.close_connection = True
                return
            if fault == "truncate" and len(data) > 1 and self.command != "HEAD":
                self.send_relayed(resp, data, length=len(data), body=data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if fault == "short-length" and len(data) > 1 and self.command != "HEAD":
                self.send_relayed(resp, data, length=len(data) - 1, body=data[:-1])
                self.close_connection = True
                return
            self.send_relayed(resp, data)

        do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = handle_any

    return Handler


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--upstream", required=True)
    p.add_argument("--plan", default="")
    p.add_argument("--repeat", action="store_true")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--only", default=None)
    p.add_argument("--keep-host", action="store_true")
    args = p.parse_args()
    handler = make_handler(args.upstream, Faults(parse_plan(args.plan), args.repeat), args.only, args.keep_host)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
