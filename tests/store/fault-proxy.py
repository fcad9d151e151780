#!/usr/bin/env python3
"""A forwarding HTTP proxy for store tests that answers some requests with
an error instead of forwarding them: a store that answers 500.

  fault-proxy.py UPSTREAM_PORT RULE...   (RULE: METHOD:SUBSTRING:STATUS:TIMES,
                                          TIMES 0 = always; STATUS "corrupt":
                                          forward with one body byte flipped;
                                          "200error": answer 200 with an S3
                                          <Error> body, as AWS may on Complete;
                                          "hang": never answer, as a store
                                          that went away mid-request)

It prints its port on stdout once listening and logs each request to
stderr ("PUT /b/k?partNumber=2&... -> 500 (injected)"). Requests go to
127.0.0.1:UPSTREAM_PORT unchanged, Host header included, so SigV4
signatures made for the proxy's address still verify upstream."""
import http.client
import http.server
import sys
import threading
import time

upstream = int(sys.argv[1])
rules = []
for spec in sys.argv[2:]:
    method, needle, status, times = spec.split(":")
    rules.append({"method": method, "needle": needle, "status": status, "left": int(times) or -1})
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def rule(self):
        with lock:
            for r in rules:
                if r["method"] == self.command and r["needle"] in self.path and r["left"] != 0:
                    if r["left"] > 0:
                        r["left"] -= 1
                    return r
        return None

    def relay(self):
        length = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(length) if length else b""
        r = self.rule()
        if r and r["status"] == "hang":
            print(f"{self.command} {self.path} -> hanging", file=sys.stderr, flush=True)
            time.sleep(3600)
            return
        if r and r["status"] == "corrupt" and body:
            # Damage on the way: the server must notice.
            i = len(body) // 2
            body = body[:i] + bytes([body[i] ^ 0x20]) + body[i + 1:]
            print(f"{self.command} {self.path}: byte {i} flipped", file=sys.stderr, flush=True)
        elif r:
            code = b"InternalError" if r["status"] == "200error" else b"InjectedFault"
            msg = b"<?xml version=\"1.0\"?><Error><Code>" + code + b"</Code><Message>fault-proxy</Message></Error>"
            self.send_response(200 if r["status"] == "200error" else int(r["status"]))
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(msg)))
            self.end_headers()
            self.wfile.write(msg)
            print(f"{self.command} {self.path} -> {r['status']} (injected)", file=sys.stderr, flush=True)
            return
        conn = http.client.HTTPConnection("127.0.0.1", upstream, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("expect", "connection")}
        conn.request(self.command, self.path, body=body if length or self.command in ("PUT", "POST") else None,
                     headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        # A HEAD answer says the object's length, without its body.
        self.send_header("Content-Length", resp.getheader("Content-Length", "0") if self.command == "HEAD"
                         else str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()
        print(f"{self.command} {self.path} -> {resp.status}", file=sys.stderr, flush=True)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = relay


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
