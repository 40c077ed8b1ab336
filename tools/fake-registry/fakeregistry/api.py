"""The registry API over plain HTTP/1.1 keep-alive: `/v2/`, manifests by tag or digest, and the
token endpoint, answered the way Docker Hub and distribution answer.
Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md"""

import http.server
import json
import re
import socket
import sys
import time
import traceback
from urllib.parse import parse_qs, unquote, urlsplit

from .access import (NAME_RE, TAG_RE, decide_pull, challenge, parse_authorization,
                     parse_scopes, pull_grants, rfc3339)
from .app import SERVICE
from .negotiation import accepted_types, manifest_for_tag

MANIFEST_PATH = re.compile(r"/v2/(?P<name>.+)/manifests/(?P<reference>[^/]+)")
DIGEST_RE = re.compile(r"[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+")
JSON = "application/json; charset=utf-8"
API_VERSION = {"Docker-Distribution-Api-Version": "registry/2.0"}
OUTAGE_CODES = {429: ("TOOMANYREQUESTS", "too many requests"),
                503: ("UNAVAILABLE", "service unavailable")}


def error_body(code, message, detail=None) -> bytes:
    return json.dumps({"errors": [{"code": code, "message": message, "detail": detail}]}).encode()


class Answer:
    """A response, decided before anything is written."""

    def __init__(self, status, body=b"", ctype=JSON, headers=None):
        self.status, self.body, self.ctype, self.headers = status, body, ctype, headers or {}


class RegistryServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address, app):
        self.app = app
        super().__init__(address, RegistryHandler)

    def get_request(self):
        sock, addr = super().get_request()
        # Without it a response written in two segments waits out the client's delayed ACK.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock, addr

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class RegistryHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-registry"
    sys_version = ""

    def log_message(self, fmt, *args):  # requests are logged in memory instead
        pass

    def version_string(self):
        return self.server_version

    def do_GET(self):
        self._handle("GET")

    def do_HEAD(self):
        self._handle("HEAD")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")

    def do_PATCH(self):
        self._handle("PATCH")

    def do_DELETE(self):
        self._handle("DELETE")

    # ---- plumbing ----------------------------------------------------------------------------

    def _discard_body(self):
        """Reads a request body nobody uses, so the next request on the connection parses."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return
                self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)

    def _send(self, method, answer: Answer):
        self.entry["status"] = answer.status
        self.server.app.requests.record(self.entry)  # before the answer leaves: never a stale log
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.ctype)
        # HEAD gets the length GET would have, and no body (RFC 9110 §9.3.2).
        self.send_header("Content-Length", str(len(answer.body)))
        for k, v in answer.headers.items():
            self.send_header(k, v)
        self._headers_buffer.append(b"\r\n")
        if method != "HEAD":
            self._headers_buffer.append(answer.body)
        self.flush_headers()

    def _drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _handle(self, method):
        app = self.server.app
        url = urlsplit(self.path)
        self._discard_body()
        self.credentials = parse_authorization(self.headers.get("Authorization"))
        self.token = app.tokens.lookup(self.credentials.token)
        user = self.credentials.user if self.credentials.kind == "basic" else (
            self.token.user if self.token else None)
        self.entry = {"t": round(time.time(), 6), "method": method,
                      "path": url.path, "query": url.query,
                      "accept": [item.strip() for v in self.headers.get_all("Accept") or []
                                 for item in v.split(",") if item.strip()],
                      "authorization": self.credentials.kind, "user": user, "status": 0}
        failure = app.outage.take()
        if failure is not None:
            if failure.status != 0 and not failure.hang:
                return self._send(method, _outage_answer(failure.status))
            app.requests.record(self.entry)  # status 0: no answer, now or ever
            if failure.hang:
                failure.released.wait()
            return self._drop()
        try:
            answer = self._route(method, unquote(url.path), url.query)
        except Exception:  # a defect here: answer it, show it, keep serving
            traceback.print_exc(file=sys.stderr)
            answer = Answer(500, error_body("UNKNOWN", "internal error"))
        self._send(method, answer)

    def _route(self, method, path, query):
        m = MANIFEST_PATH.fullmatch(path)
        if path in ("/v2", "/v2/") or m:
            if method not in ("GET", "HEAD"):
                return Answer(405, error_body("UNSUPPORTED", "The operation is unsupported."),
                              headers=API_VERSION)
            return self._manifest(m["name"], m["reference"]) if m else self._base()
        if path == "/token" and method == "GET":
            return self._token(parse_qs(query, keep_blank_values=True))
        # The router of distribution (and Go's http.NotFound) for any other path.
        return Answer(404, b"404 page not found\n", "text/plain; charset=utf-8")

    def _refusal(self, name):
        """The 401 for a request the credentials do not open; None when they do."""
        app = self.server.app
        refusal = decide_pull(self.credentials, self.token, app.tokens.is_valid(self.token), name)
        if refusal is None:
            return None
        detail = None if name is None else [
            {"Type": "repository", "Class": "", "Name": name, "Action": "pull"}]
        headers = {"WWW-Authenticate": challenge(app.realm, SERVICE, name, refusal.error),
                   **API_VERSION}
        return Answer(401, error_body("UNAUTHORIZED", "authentication required", detail),
                      headers=headers)

    # ---- endpoints ---------------------------------------------------------------------------

    def _base(self):
        return self._refusal(None) or Answer(200, b"{}", headers=API_VERSION)

    def _manifest(self, name, reference):
        app = self.server.app
        if not NAME_RE.fullmatch(name):
            return Answer(400, error_body("NAME_INVALID", "invalid repository name", {"Name": name}),
                          headers=API_VERSION)
        refusal = self._refusal(name)
        if refusal:
            return refusal
        if TAG_RE.fullmatch(reference):
            image = app.find_image(name, reference)
            accepted = accepted_types(self.headers.get_all("Accept") or [])
            manifest = manifest_for_tag(image, accepted) if image else None
            detail = {"Tag": reference}
        elif DIGEST_RE.fullmatch(reference):
            manifest = app.find_manifest(name, reference)
            detail = {"Digest": reference}
        else:
            manifest, detail = None, {"Reference": reference}
        if manifest is None:
            return Answer(404, error_body("MANIFEST_UNKNOWN", "manifest unknown", detail),
                          headers=API_VERSION)
        return Answer(200, manifest.body, manifest.media_type,
                      {"Docker-Content-Digest": manifest.digest, **API_VERSION})

    def _token(self, query):
        app = self.server.app
        service = query.get("service", [SERVICE])[-1]
        if service != SERVICE:
            return Answer(400, error_body("UNSUPPORTED", f"unknown service {service!r}"))
        try:
            scopes = parse_scopes(query.get("scope", []))
        except ValueError as e:
            return Answer(400, error_body("UNSUPPORTED", str(e)))
        allowed, user = frozenset(), None
        if self.credentials.kind == "basic":
            account = app.user(self.credentials.user) if self.credentials.user else None
            if account is None or not account.password_matches(self.credentials.password):
                return Answer(401, error_body("UNAUTHORIZED", "incorrect username or password"),
                              headers={"WWW-Authenticate": f'Basic realm="{SERVICE}"'})
            allowed, user = account.repositories, self.credentials.user
        grants = pull_grants(scopes, app.private_repositories(), allowed)
        value, record = app.tokens.issue(user, grants)
        body = {"token": value, "access_token": value, "expires_in": app.tokens.lifetime,
                "issued_at": rfc3339(record.issued_at)}
        return Answer(200, json.dumps(body).encode())


def _outage_answer(status):
    code, message = OUTAGE_CODES.get(status, ("UNKNOWN", "unknown error"))
    headers = {"Retry-After": "1"} if status in OUTAGE_CODES else {}
    return Answer(status, error_body(code, message), headers=headers)
