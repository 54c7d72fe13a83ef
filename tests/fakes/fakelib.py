"""What the platform fakes (fake_gcp.py, fake_azure.py, fake_github.py) share.

Standard library only, plus RS256 through the `cryptography` package when it is importable and
through the `openssl` command otherwise (FAKES_CRYPTO=openssl forces the command). Each fake
binds 127.0.0.1 on a free port, prints the port as the first line of stdout, stops on SIGTERM or
SIGINT, when the process that started it dies, or after --idle seconds without a request.
Scenarios are JSON files (see tests/fakes/README.md); every fake also serves
GET /_fake/requests (the requests seen so far) and GET /_fake/scenario (the scenario in force).
"""

import argparse
import copy
import http.server
import json
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIO_DIR = os.path.join(HERE, "scenarios")


# --- RS256 -------------------------------------------------------------------------------------

def _use_cryptography():
    if os.environ.get("FAKES_CRYPTO") == "openssl":
        return False
    try:
        import cryptography  # noqa: F401
        return True
    except ImportError:
        return False


def crypto_backend():
    """'cryptography' or 'openssl': what verifies and signs RS256 here."""
    return "cryptography" if _use_cryptography() else "openssl"


def _openssl(args, data):
    result = subprocess.run(["openssl"] + args, input=data, capture_output=True, check=False)
    return result.returncode, result.stdout


def public_key_from_private(private_pem):
    """The PEM SubjectPublicKeyInfo of a PEM private key (bytes in, bytes out)."""
    if _use_cryptography():
        from cryptography.hazmat.primitives import serialization
        key = serialization.load_pem_private_key(private_pem, password=None)
        return key.public_key().public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
    rc, out = _openssl(["pkey", "-pubout"], private_pem)
    if rc != 0:
        raise ValueError("openssl pkey could not read the private key")
    return out


def rs256_verify(public_pem, message, signature):
    """True when `signature` is RSASSA-PKCS1-v1_5 SHA-256 of `message` under `public_pem`."""
    if _use_cryptography():
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding
        key = serialization.load_pem_public_key(public_pem)
        try:
            key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
            return True
        except (InvalidSignature, ValueError):
            return False
    with tempfile.TemporaryDirectory(prefix="fake-rs256-") as tmp:
        pub = os.path.join(tmp, "key.pub")
        sig = os.path.join(tmp, "sig")
        with open(pub, "wb") as f:
            f.write(public_pem)
        with open(sig, "wb") as f:
            f.write(signature)
        rc, _ = _openssl(["dgst", "-sha256", "-verify", pub, "-signature", sig], message)
        return rc == 0


def rs256_sign(private_pem, message):
    """The RS256 signature of `message` (used by the self-tests to act as a client)."""
    if _use_cryptography():
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding
        key = serialization.load_pem_private_key(private_pem, password=None)
        return key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    with tempfile.TemporaryDirectory(prefix="fake-rs256-") as tmp:
        path = os.path.join(tmp, "key.pem")
        with open(path, "wb") as f:
            f.write(private_pem)
        rc, out = _openssl(["dgst", "-sha256", "-sign", path], message)
        if rc != 0:
            raise ValueError("openssl dgst -sign failed")
        return out


# --- scenarios ---------------------------------------------------------------------------------

def deep_merge(base, override):
    """`override` laid over `base`: objects merge key by key, anything else replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = deep_merge(base.get(key), value) if key in base else copy.deepcopy(value)
        return merged
    return copy.deepcopy(override)


def scenario_path(platform, name_or_path):
    if name_or_path.endswith(".json") or os.sep in name_or_path:
        return os.path.abspath(name_or_path)
    return os.path.join(SCENARIO_DIR, "%s-%s.json" % (platform, name_or_path))


def load_scenario(platform, name_or_path, seen=()):
    """Reads a scenario; "extends": NAME-or-PATH lays it over another one first. Relative file
    paths inside a scenario ("*_file" keys) are resolved against the scenario's directory."""
    path = scenario_path(platform, name_or_path)
    if path in seen:
        raise ValueError("scenario %s extends itself" % path)
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    _resolve_files(data, os.path.dirname(path))
    parent = data.pop("extends", None)
    data.pop("description", None)
    if parent is None:
        return data
    if not (parent.endswith(".json") or os.sep in parent):
        parent_path = scenario_path(platform, parent)
    else:
        parent_path = os.path.join(os.path.dirname(path), parent)
    return deep_merge(load_scenario(platform, parent_path, seen + (path,)), data)


def _resolve_files(node, directory):
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("_file") and isinstance(value, str) and not os.path.isabs(value):
                node[key] = os.path.normpath(os.path.join(directory, value))
            else:
                _resolve_files(value, directory)
    elif isinstance(node, list):
        for item in node:
            _resolve_files(item, directory)


def set_path(data, dotted, value):
    """--set a.b.c=JSON: replaces one value deep inside the scenario."""
    parts = dotted.split(".")
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


# --- server ------------------------------------------------------------------------------------

class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address, handler, scenario, clock_offset, verbose):
        super().__init__(address, handler)
        self.scenario = scenario
        self.clock_offset = clock_offset
        self.verbose = verbose
        self.tls = None
        self.lock = threading.RLock()
        self.log = []
        self.op_counts = {}
        self.in_flight = 0
        self.last_activity = time.monotonic()
        self.data = {}  # per-fake mutable state (tokens, counters)

    @property
    def base_url(self):
        scheme = "https" if self.tls is not None else "http"
        return "%s://127.0.0.1:%d" % (scheme, self.server_address[1])

    def now(self):
        return time.time() + self.clock_offset

    def get_request(self):
        sock, address = self.socket.accept()
        if self.tls is not None:
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request, client_address):
        if self.verbose:
            super().handle_error(request, client_address)

    def count_op(self, op):
        """Counts one call of `op` and returns its number (1 for the first)."""
        with self.lock:
            self.op_counts[op] = self.op_counts.get(op, 0) + 1
            return self.op_counts[op]


class Reply(Exception):
    """Raised by a route (or a check it calls) to answer at once."""

    def __init__(self, status, body, headers=()):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = list(headers)


class Handler(http.server.BaseHTTPRequestHandler):
    """Routes by (method, path pattern); subclasses set ROUTES and the platform's error shapes."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes; with Nagle's algorithm the body then waits for the
    # client's delayed ACK (~40 ms a request on loopback).
    disable_nagle_algorithm = True
    server_version = "velocity-fake/1"
    ROUTES = []  # (method, compiled regex, op name, method name)
    PLATFORM = "fake"

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            self.request.do_handshake()
            self.request.settimeout(None)
        super().setup()

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        if self.server.verbose:
            sys.stderr.write("%s: %s\n" % (self.PLATFORM, format % args))

    def do_GET(self):
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    # Overridden by the fakes.
    def permission_denied(self, op):
        return Reply(403, {"error": "permission denied", "op": op})

    def throttled(self, op, retry_after):
        headers = [("Retry-After", str(retry_after))] if retry_after is not None else []
        return Reply(429, {"error": "throttled", "op": op}, headers)

    def server_error(self, op, status):
        return Reply(status, {"error": "server error", "op": op})

    def not_found(self):
        return Reply(404, {"error": "not found", "path": self.url.path})

    def extra_headers(self):
        """Headers every answer carries (rate-limit counters and the like)."""
        return []

    def prepare(self):
        """Runs before routing; may rewrite self.route_path (e.g. strip a prefix)."""

    # Machinery.
    def _serve(self):
        with self.server.lock:
            self.server.in_flight += 1
            self.server.last_activity = time.monotonic()
        self.log_entry = {"method": self.command, "path": self.path, "op": None, "status": None,
                          "auth": "Authorization" in self.headers, "time": self.server.now()}
        self.route_path = ""
        self.op = None
        status = None
        try:
            self.url = urllib.parse.urlsplit(self.path)
            self.query = urllib.parse.parse_qs(self.url.query, keep_blank_values=True)
            length = int(self.headers.get("Content-Length") or 0)
            self.body = self.rfile.read(length) if length > 0 else b""
            self.route_path = urllib.parse.unquote(self.url.path)
            if self.route_path.startswith("/_fake/"):
                status = self._control()
            else:
                status = self._dispatch()
        finally:
            self.record(status)
            with self.server.lock:
                self.server.in_flight -= 1
                self.server.last_activity = time.monotonic()

    def _dispatch(self):
        try:
            self.prepare()
            route = None
            for method, pattern, op, name in self.ROUTES:
                match = pattern.fullmatch(self.route_path)
                if match and method == self.command:
                    route = (op, name, match)
                    break
            if route is None:
                raise self.not_found()
            op, name, match = route
            self.op = op
            result = getattr(self, name)(*match.groups())
            status, body, headers = result if len(result) == 3 else (result[0], result[1], [])
        except Reply as reply:
            status, body, headers = reply.status, reply.body, reply.headers
        except Exception as error:  # noqa: BLE001 - a bug in the fake must not hang the client
            sys.stderr.write("%s: internal error on %s %s: %r\n" % (self.PLATFORM, self.command,
                                                                    self.path, error))
            status, body, headers = 500, {"fake_internal_error": repr(error)}, []
        self.send_body(status, body, headers + self.extra_headers())
        return status

    def check_faults(self, op):
        """Applies the scenario's "deny", "throttle" and "errors" to one call of `op`; call it
        after authentication so a denied call still needs good credentials."""
        scenario = self.server.scenario
        number = self.server.count_op(op)
        for key in (op, "*"):
            rule = scenario.get("throttle", {}).get(key)
            if rule and number <= int(rule.get("times", 1)):
                raise self.throttled(op, rule.get("retry_after", 1))
            rule = scenario.get("errors", {}).get(key)
            if rule and number <= int(rule.get("times", 1)):
                if "body" in rule:
                    raise Reply(int(rule.get("status", 500)), rule["body"].encode("latin-1"))
                raise self.server_error(op, int(rule.get("status", 500)))
        if op in scenario.get("deny", []):
            raise self.permission_denied(op)

    def record(self, status):
        """Logs this request once, before its answer goes out: a client that reads the log right
        after an answer finds the request in it. Control requests are not logged."""
        entry, self.log_entry = self.log_entry, None
        if entry is None or self.route_path.startswith("/_fake/"):
            return
        entry["op"] = self.op
        entry["status"] = status
        with self.server.lock:
            self.server.log.append(entry)

    def send_body(self, status, body, headers):
        self.record(status)
        if body is None:
            data = b""
            content_type = None
        elif isinstance(body, (bytes, str)):
            data = body.encode() if isinstance(body, str) else body
            content_type = "text/plain; charset=utf-8"
        else:
            data = json.dumps(body, indent=2).encode()
            content_type = "application/json; charset=utf-8"
        self.send_response(status)
        names = {name.lower() for name, _ in headers}
        if content_type and "content-type" not in names:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Date", self.date_time_string(self.server.now()))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _control(self):
        if self.route_path == "/_fake/requests":
            with self.server.lock:
                body = {"requests": list(self.server.log)}
        elif self.route_path == "/_fake/scenario":
            body = self.server.scenario
        else:
            self.send_body(404, {"error": "no control route " + self.route_path}, [])
            return 404
        self.send_body(200, body, [])
        return 200

    # Helpers for routes.
    def query_one(self, name, default=None):
        values = self.query.get(name)
        return values[0] if values else default

    def form(self):
        return {k: v[0] for k, v in urllib.parse.parse_qs(self.body.decode("utf-8", "replace"),
                                                            keep_blank_values=True).items()}

    def bearer_token(self):
        """The token after "Bearer " (or GitHub's older "token "), or None."""
        header = self.headers.get("Authorization", "")
        for prefix in ("Bearer ", "bearer ", "token "):
            if header.startswith(prefix):
                return header[len(prefix):].strip()
        return None


def new_id():
    return str(uuid.uuid4())


def watch(server, idle_seconds, parent):
    while True:
        time.sleep(0.2)
        with server.lock:
            idle = server.in_flight == 0 and time.monotonic() - server.last_activity > idle_seconds
        if idle or os.getppid() != parent:
            server.shutdown()
            return


def parse_throttle(text):
    """OP:TIMES[:RETRY_AFTER] -> (op, rule)."""
    parts = text.split(":")
    rule = {"times": int(parts[1]) if len(parts) > 1 else 1}
    if len(parts) > 2:
        rule["retry_after"] = None if parts[2] == "" else int(parts[2])
    return parts[0], rule


def main(platform, handler, description, add_arguments=None, apply_arguments=None,
         prepare_server=None):
    """Parses the common command line, loads the scenario and serves until told to stop."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--scenario", default="pass",
                        help="scenario name (tests/fakes/scenarios/%s-NAME.json) or JSON file "
                             "(default: pass)" % platform)
    parser.add_argument("--set", action="append", default=[], metavar="PATH=JSON",
                        help="replace one scenario value, e.g. --set token_lifetime=5")
    parser.add_argument("--deny", action="append", default=[], metavar="OP",
                        help="answer OP with the platform's missing-permission error")
    parser.add_argument("--throttle", action="append", default=[], metavar="OP:N[:SECONDS]",
                        help="answer the first N calls of OP (or *) with the platform's "
                             "rate-limit error and Retry-After SECONDS (empty: none)")
    parser.add_argument("--now", type=float, help="pretend the clock reads this epoch second")
    parser.add_argument("--idle", type=float, default=60.0,
                        help="stop after this many seconds without a request (default 60)")
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    parser.add_argument("--tls-cert", help="serve HTTPS with this PEM certificate chain")
    parser.add_argument("--tls-key", help="the PEM private key of --tls-cert")
    if add_arguments:
        add_arguments(parser)
    args = parser.parse_args()

    try:
        scenario = load_scenario(platform, args.scenario)
        for item in args.set:
            path, _, value = item.partition("=")
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = value  # a bare string
            set_path(scenario, path, parsed)
        scenario.setdefault("deny", [])
        scenario["deny"] = list(scenario["deny"]) + args.deny
        for item in args.throttle:
            op, rule = parse_throttle(item)
            scenario.setdefault("throttle", {})[op] = rule
        if apply_arguments:
            apply_arguments(args, scenario)
    except (OSError, ValueError, KeyError) as error:
        sys.stderr.write("%s: bad scenario: %s\n" % (platform, error))
        sys.exit(2)

    offset = (args.now - time.time()) if args.now is not None else 0.0
    server = Server(("127.0.0.1", 0), handler, scenario, offset, args.verbose)
    if args.tls_cert:
        server.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server.tls.load_cert_chain(args.tls_cert, args.tls_key)
    if prepare_server:
        try:
            prepare_server(server)
        except (OSError, ValueError, KeyError) as error:
            sys.stderr.write("%s: bad scenario: %s\n" % (platform, error))
            sys.exit(2)
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
