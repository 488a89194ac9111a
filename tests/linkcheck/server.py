"""A local web server with every answer the link checker must handle, on 127.0.0.1.

Started once per test session (per xdist worker) on a free port. Each request is
recorded with the server's own clock, so tests can prove the spacing of requests.
Paths carry a test's own token where counts matter, so tests never share state.
"""

import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

SLOW_SECONDS = 2.0
HUGE_BYTES = 200 * 1024 * 1024


class Recorded:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []  # (monotonic time, method, path, user agent)
        self.counts = defaultdict(int)
        self.released = threading.Event()  # set at the end: slow answers stop waiting
        self.huge_bytes_sent = defaultdict(int)

    def seen(self, path):
        with self.lock:
            return [r for r in self.requests if r[2] == path]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    recorded: Recorded

    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self.answer("HEAD")

    def do_GET(self):
        self.answer("GET")

    def send(self, status, *, location=None, body=b"ok\n"):
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(body)

    def answer(self, method):
        recorded = self.recorded
        path = self.path
        with recorded.lock:
            recorded.requests.append(
                (time.monotonic(), method, path, self.headers.get("User-Agent", ""))
            )
            recorded.counts[path] += 1
            count = recorded.counts[path]
        parts = path.strip("/").split("/")
        head = parts[0]
        if head in ("ok", "rate"):
            self.send(200)
        elif head == "missing":
            self.send(404)
        elif head == "gone":
            self.send(410)
        elif head == "blocked":
            self.send(403)
        elif head == "flaky":  # 500 to the first request, then 200
            self.send(500 if count == 1 else 200)
        elif head == "down":  # 503 always
            self.send(503)
        elif head == "slow":
            recorded.released.wait(SLOW_SECONDS)
            self.send(200)
        elif head == "chain":  # /chain/3/x -> /chain/2/x -> … -> /chain/0/x -> /ok
            hops = int(parts[1])
            rest = "/".join(parts[2:])
            self.send(
                301 if hops % 2 else 302, location=f"/chain/{hops - 1}/{rest}" if hops else "/ok"
            )
        elif head == "loop":  # /loop/a/x <-> /loop/b/x
            other = "b" if parts[1] == "a" else "a"
            self.send(302, location=f"/loop/{other}/{parts[2]}")
        elif head == "no-head":
            self.send(405 if method == "HEAD" else 200)
        elif head == "huge":
            if method == "HEAD":
                self.send(405)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(HUGE_BYTES))
            self.end_headers()
            chunk = b"x" * 65536
            try:
                for _ in range(HUGE_BYTES // len(chunk)):
                    self.wfile.write(chunk)
                    with recorded.lock:
                        recorded.huge_bytes_sent[path] += len(chunk)
            except OSError:
                pass  # the checker hung up, as it should
        elif head == "doi":  # a resolver: 10.1234/… is registered, anything else is not
            doi = unquote("/".join(parts[1:]))
            if doi.startswith("10.1234/"):
                self.send(302, location=f"/ok/article/{doi.split('/', 1)[1]}")
            else:
                self.send(404)
        else:
            self.send(404)


def start():
    recorded = Recorded()
    handler = type("BoundHandler", (Handler,), {"recorded": recorded})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, recorded
