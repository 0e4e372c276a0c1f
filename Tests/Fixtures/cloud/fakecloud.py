"""Shared pieces of the fake cloud servers the Swift tests start (Python 3 stdlib only).

Each server listens on an ephemeral port of 127.0.0.1, prints that port on its first
stdout line, and exits when its stdin closes (so it never outlives the test process).

Common admin endpoints (JSON in, JSON out):
  GET  /__admin/stats          counters and logs of what the clients did
  POST /__admin/faults         {"path": "/prefix", "status": 429, "times": 1, "retry_after": "0"}:
                               the next `times` requests whose path starts with `path` get `status`;
                               with "drop": true the connection is closed after the request is read,
                               with no answer (as load balancers do); with "redirect": 307 (or 308)
                               the answer is that redirect to the same address under /r, which is
                               then served as the address itself (counted as "redirected")
  POST /__admin/config         server-specific settings (merged into `config`)
"""

import base64
import hashlib
import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

# ---------------------------------------------------------------------------
# RS256 verification with a public key, in pure Python (no `cryptography` needed).


def _der_read(data, i):
    tag = data[i]
    length = data[i + 1]
    i += 2
    if length & 0x80:
        n = length & 0x7F
        length = int.from_bytes(data[i:i + n], "big")
        i += n
    return tag, data[i:i + length], i + length


def _der_children(content):
    items, i = [], 0
    while i < len(content):
        tag, value, i = _der_read(content, i)
        items.append((tag, value))
    return items


def load_public_key(pem_text):
    """(n, e, spki_der) of a `BEGIN PUBLIC KEY` (SubjectPublicKeyInfo) RSA key."""
    lines = [l for l in pem_text.strip().splitlines() if not l.startswith("-----")]
    der = base64.b64decode("".join(lines))
    _, spki, _ = _der_read(der, 0)
    (_, _alg), (bit_tag, bits) = _der_children(spki)
    assert bit_tag == 0x03 and bits[0] == 0
    _, rsa, _ = _der_read(bits[1:], 0)
    (_, n), (_, e) = _der_children(rsa)
    return int.from_bytes(n, "big"), int.from_bytes(e, "big"), der


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def verify_rs256(token, n, e):
    """The (header, claims) of a JWT whose RS256 signature verifies with (n, e); else ValueError."""
    try:
        head, body, sig = token.split(".")
    except ValueError:
        raise ValueError("not a JWT")
    header = json.loads(b64url_decode(head))
    if header.get("alg") != "RS256":
        raise ValueError("alg is not RS256")
    k = (n.bit_length() + 7) // 8
    signature = b64url_decode(sig)
    if len(signature) != k:
        raise ValueError("bad signature length")
    em = pow(int.from_bytes(signature, "big"), e, n).to_bytes(k, "big")
    digest = hashlib.sha256((head + "." + body).encode()).digest()
    expected = b"\x00\x01" + b"\xff" * (k - 3 - len(_SHA256_DIGEST_INFO) - 32) + b"\x00" + _SHA256_DIGEST_INFO + digest
    if em != expected:
        raise ValueError("signature does not verify")
    return header, json.loads(b64url_decode(body))


# ---------------------------------------------------------------------------
# Server plumbing.


class State:
    """Shared mutable state: guard every access with `lock`."""

    def __init__(self):
        self.lock = threading.RLock()
        self.stats = {}
        self.faults = []
        self.config = {}
        self.port = 0

    def count(self, key, n=1):
        with self.lock:
            self.stats[key] = self.stats.get(key, 0) + n

    def log(self, key, value):
        with self.lock:
            self.stats.setdefault(key, []).append(value)

    def take_fault(self, path):
        with self.lock:
            for f in self.faults:
                if path.startswith(f["path"]) and f["times"] > 0:
                    f["times"] -= 1
                    return f
        return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None  # set by serve()

    def log_message(self, *args):
        pass

    # -- helpers

    def body_bytes(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def body_json(self):
        raw = self.body_bytes()
        return json.loads(raw) if raw else None

    def send(self, status, body=b"", content_type="application/json", headers=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    @property
    def url(self):
        return urlparse(self.path)

    @property
    def params(self):
        return {k: v[0] for k, v in parse_qs(self.url.query).items()}

    # -- dispatch

    def handle_any(self, method):
        st = self.state
        if self.path.startswith("/r/"):
            self.path = self.path[2:]
            st.count("redirected")
        path = self.url.path
        if path == "/__admin/stats":
            with st.lock:
                return self.send(200, json.loads(json.dumps(st.stats)))
        if path == "/__admin/faults":
            f = self.body_json()
            f.setdefault("times", 1)
            with st.lock:
                st.faults.append(f)
            return self.send(200, {"ok": True})
        if path == "/__admin/config":
            with st.lock:
                st.config.update(self.body_json() or {})
            return self.send(200, {"ok": True})
        fault = st.take_fault(path)
        if fault:
            self.body_bytes()
            st.log("faults_served", path)
            if fault.get("drop"):
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            if "redirect" in fault:
                return self.send(fault["redirect"], b"", headers={"Location": "/r" + self.path})
            headers = {}
            if "retry_after" in fault:
                headers["Retry-After"] = str(fault["retry_after"])
            return self.send(fault["status"], fault.get("body", {"message": "injected fault"}), headers=headers)
        self.route(method, path)

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def route(self, method, path):  # overridden
        self.send(404, {"message": "no route"})


def serve(handler_class, state):
    """Binds 127.0.0.1:0, prints the port, serves until stdin closes."""
    handler_class.state = state
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    server.daemon_threads = True
    state.port = server.server_address[1]
    print(state.port, flush=True)

    def watch_stdin():
        try:
            while sys.stdin.read(1):
                pass
        finally:
            os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()
    server.serve_forever()


def now():
    return int(time.time())
