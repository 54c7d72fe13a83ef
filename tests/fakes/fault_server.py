#!/usr/bin/env python3
"""A loopback HTTP server that misbehaves on purpose, for testing velocity's net module.

Standard library only. Binds 127.0.0.1 on a free port and prints the port as the first line of
stdout. Stops on SIGTERM, when its parent process dies, or after --idle seconds without a request.
The routes are listed in tests/fakes/README.md.
"""

import argparse
import base64
import email.utils
import http.server
import json
import os
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse


class State:
    """What the server has seen, shared by the handler threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}
        self.connections = 0
        self.requests = 0
        self.in_flight = 0
        self.last_activity = time.monotonic()

    def count(self, key):
        """Counts one attempt for `key` and returns the attempt's number (1 for the first)."""
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + 1
            return self.counts[key]

    def peek(self, key):
        with self.lock:
            return self.counts.get(key, 0)


STATE = State()


def query_int(query, name, default):
    values = query.get(name)
    return int(values[0]) if values else default


def query_str(query, name, default=None):
    values = query.get(name)
    return values[0] if values else default


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so the client can reuse connections
    server_version = "fault_server/1"

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            # Handshake here, in the connection's thread, so a client that never finishes one
            # cannot block the accept loop.
            self.request.settimeout(10)
            self.request.do_handshake()
            self.request.settimeout(None)
        super().setup()
        with STATE.lock:
            STATE.connections += 1

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass  # the route reset the connection on purpose

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        if self.server.verbose:
            sys.stderr.write("fault_server: " + (format % args) + "\n")

    # Every verb goes through the same routing.
    def do_GET(self):
        self.route()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def route(self):
        with STATE.lock:
            STATE.requests += 1
            STATE.in_flight += 1
            STATE.last_activity = time.monotonic()
        try:
            self.dispatch()
        finally:
            with STATE.lock:
                STATE.in_flight -= 1
                STATE.last_activity = time.monotonic()

    def dispatch(self):
        url = urllib.parse.urlsplit(self.path)
        self.query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        self.request_body = self.rfile.read(length) if length > 0 else b""
        key = query_str(self.query, "key")
        self.attempt = STATE.count(key) if key is not None else 0
        parts = [p for p in url.path.split("/") if p]
        name = parts[0] if parts else ""
        handler = ROUTES.get(name)
        if handler is None:
            self.reply(404, "no route " + url.path + "\n")
            return
        handler(self, parts[1:])

    # Helpers.
    def reply(self, status, body, content_type="text/plain", headers=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def reply_json(self, status, value, headers=()):
        self.reply(status, json.dumps(value), "application/json", headers)

    def reset_connection(self):
        """Closes the socket with a TCP RST instead of an orderly FIN."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    # Routes.
    def route_ok(self, _args):
        self.reply(200, "ok\n")

    def route_status(self, args):
        status = int(args[0]) if args else 200
        headers = []
        retry_after = query_str(self.query, "retry_after")
        if retry_after is not None:
            headers.append(("Retry-After", retry_after))
        self.reply(status, query_str(self.query, "body", "status %d\n" % status), headers=headers)

    def route_fail(self, args):
        """/fail/N?key=K[&code=500]: the first N attempts for K answer `code`, then 200."""
        times = int(args[0]) if args else 1
        if self.attempt <= times:
            code = query_int(self.query, "code", 500)
            self.reply(code, "failure %d of %d\n" % (self.attempt, times))
        else:
            self.reply(200, "ok after %d failures\n" % times)

    def route_throttle(self, _args):
        """/throttle?key=K&times=N&retry_after=S[&date=1]: N answers 429 + Retry-After, then 200."""
        times = query_int(self.query, "times", 1)
        seconds = query_int(self.query, "retry_after", 1)
        if self.attempt <= times:
            if query_str(self.query, "date"):
                value = email.utils.formatdate(time.time() + seconds, usegmt=True)
            else:
                value = str(seconds)
            self.reply(429, "slow down\n", headers=[("Retry-After", value)])
        else:
            self.reply(200, "ok after throttling\n")

    def route_xml_error(self, _args):
        """/xml-error?key=K&times=N[&code=400&error=Throttling]: an AWS-style XML error N times."""
        times = query_int(self.query, "times", 1)
        if self.attempt <= times:
            code = query_int(self.query, "code", 400)
            error = query_str(self.query, "error", "Throttling")
            body = ("<ErrorResponse><Error><Code>%s</Code><Message>Rate exceeded</Message>"
                    "</Error></ErrorResponse>" % error)
            self.reply(code, body, "text/xml")
        else:
            self.reply(200, "<Ok/>", "text/xml")

    def route_reset(self, _args):
        """/reset[?key=K&times=N]: a TCP reset instead of an answer (N times, then 200)."""
        times = query_int(self.query, "times", -1)
        if times < 0 or self.attempt <= times:
            self.reset_connection()
        else:
            self.reply(200, "ok after reset\n")

    def route_close(self, _args):
        """/close: closes the connection without sending anything."""
        self.close_connection = True

    def route_slow(self, _args):
        """/slow?ms=N: answers after N milliseconds."""
        time.sleep(query_int(self.query, "ms", 1000) / 1000.0)
        self.reply(200, "slow %s\n" % self.path)

    def route_truncated(self, _args):
        """/truncated?length=100&send=10: promises `length` bytes, sends `send`, closes."""
        length = query_int(self.query, "length", 100)
        sent = query_int(self.query, "send", 10)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.write(b"x" * sent)
        self.wfile.flush()
        self.close_connection = True

    def route_bad_xml(self, _args):
        self.reply(200, "<ListBucketsResult><Buckets><Bucket><Name>a</Name></Buck", "text/xml")

    def route_bad_json(self, _args):
        self.reply(200, '{"items": [1, 2, {"name": "a"', "application/json")

    def route_big(self, _args):
        """/big?bytes=N[&chunked=1]: N bytes, with Content-Length or chunked."""
        size = query_int(self.query, "bytes", 1024)
        if not query_str(self.query, "chunked"):
            self.reply(200, b"x" * size, "application/octet-stream")
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = 64 * 1024
        try:
            while size > 0:
                n = min(chunk, size)
                self.wfile.write(b"%x\r\n" % n + b"x" * n + b"\r\n")
                size -= n
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            self.close_connection = True  # the client gave up, as it should past its limit

    def route_headers(self, _args):
        """/headers?h=Name:value&h=...: answers with those header fields, in that order."""
        headers = []
        for item in self.query.get("h", []):
            name, _, value = item.partition(":")
            headers.append((name, value))
        self.reply(200, "headers\n", headers=headers)

    def route_echo(self, _args):
        """/echo: the request as JSON (method, path, headers in order, body)."""
        self.reply_json(200, {
            "method": self.command,
            "path": self.path,
            "headers": [[name, value] for name, value in self.headers.items()],
            "body": self.request_body.decode("utf-8", "replace"),
            "body_base64": base64.b64encode(self.request_body).decode(),
            "attempt": self.attempt,
        })

    def route_count(self, args):
        """/count/K: how many attempts for key K arrived (this request is not counted)."""
        key = args[0] if args else ""
        self.reply_json(200, {"key": key, "count": STATE.peek(key)})

    def route_stats(self, _args):
        """/stats: connections accepted and requests served so far."""
        with STATE.lock:
            stats = {"connections": STATE.connections, "requests": STATE.requests}
        self.reply_json(200, stats)


ROUTES = {
    "ok": Handler.route_ok,
    "status": Handler.route_status,
    "fail": Handler.route_fail,
    "throttle": Handler.route_throttle,
    "xml-error": Handler.route_xml_error,
    "reset": Handler.route_reset,
    "close": Handler.route_close,
    "slow": Handler.route_slow,
    "truncated": Handler.route_truncated,
    "bad-xml": Handler.route_bad_xml,
    "bad-json": Handler.route_bad_json,
    "big": Handler.route_big,
    "headers": Handler.route_headers,
    "echo": Handler.route_echo,
    "count": Handler.route_count,
    "stats": Handler.route_stats,
}


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True  # a slow route must not keep the process alive at exit
    allow_reuse_address = True
    request_queue_size = 64

    tls = None  # an ssl.SSLContext when serving HTTPS

    def get_request(self):
        sock, address = self.socket.accept()
        if self.tls is not None:
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request, client_address):
        if self.verbose:
            super().handle_error(request, client_address)


def watch(server, idle_seconds, parent):
    """Stops the server when idle too long or when the process that started it is gone."""
    while True:
        time.sleep(0.2)
        with STATE.lock:
            idle = STATE.in_flight == 0 and time.monotonic() - STATE.last_activity > idle_seconds
        if idle or os.getppid() != parent:
            server.shutdown()
            return


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=float, default=60.0,
                        help="stop after this many seconds without a request (default 60)")
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    parser.add_argument("--tls-cert", help="serve HTTPS with this PEM certificate chain")
    parser.add_argument("--tls-key", help="the PEM private key of --tls-cert")
    args = parser.parse_args()

    server = Server(("127.0.0.1", 0), Handler)
    server.verbose = args.verbose
    if args.tls_cert:
        server.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server.tls.load_cert_chain(args.tls_cert, args.tls_key)
    parent = os.getppid()

    def on_term(_signum, _frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    threading.Thread(target=watch, args=(server, args.idle, parent), daemon=True).start()

    print(server.server_address[1], flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
