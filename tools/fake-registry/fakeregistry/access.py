"""Who may pull what: Authorization headers, token scopes, the tokens issued, and the decision
on a pull, with the challenge that answers a refusal. The decisions are pure; TokenStore takes its
clock. Token protocol: https://distribution.github.io/distribution/spec/auth/token/"""

import base64
import binascii
import datetime
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass

# The OCI distribution spec's repository name and tag grammars.
NAME_RE = re.compile(r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*")
TAG_RE = re.compile(r"[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}")


@dataclass(frozen=True)
class Credentials:
    """An Authorization header, read: kind is "none", "basic", "bearer" or "other". For Basic,
    user and password (None when the header does not decode); for Bearer, the token."""
    kind: str
    user: str | None = None
    password: str | None = None
    token: str | None = None


def parse_authorization(header: str | None) -> Credentials:
    if not header or not header.strip():
        return Credentials("none")
    scheme, _, rest = header.strip().partition(" ")
    rest = rest.strip()
    if scheme.lower() == "bearer":
        return Credentials("bearer", token=rest or None)
    if scheme.lower() == "basic":
        try:
            text = base64.b64decode(rest, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return Credentials("basic")
        user, colon, password = text.partition(":")
        return Credentials("basic", user=user, password=password) if colon else Credentials("basic")
    return Credentials("other")


@dataclass(frozen=True)
class Scope:
    type: str
    name: str
    actions: frozenset


def parse_scopes(values) -> list:
    """Every `scope` query parameter; one may hold several scopes separated by spaces.
    `repository:acme/worker:pull,push`. Raises ValueError on a malformed one."""
    scopes = []
    for value in values:
        for text in value.split():
            # The name may itself hold a colon (a registry host with a port), so split from the ends.
            kind, _, rest = text.partition(":")
            name, _, actions = rest.rpartition(":")
            if not kind or not name or not actions:
                raise ValueError(f"malformed scope {text!r}")
            scopes.append(Scope(kind, name, frozenset(a for a in actions.split(",") if a)))
    return scopes


def pull_grants(scopes, private: set, allowed: set) -> frozenset:
    """The repositories a token may pull: those asked for with `pull`, unless private and not
    in `allowed` (the user's). Repositories not known yet count as public (they answer 404)."""
    return frozenset(s.name for s in scopes
                     if s.type == "repository" and "pull" in s.actions
                     and (s.name not in private or s.name in allowed))


@dataclass(frozen=True)
class User:
    password: str
    repositories: frozenset

    def password_matches(self, password: str | None) -> bool:
        return password is not None and hmac.compare_digest(password.encode(), self.password.encode())


@dataclass
class Token:
    user: str | None
    repositories: frozenset
    issued_at: float
    expires_at: float


class TokenStore:
    def __init__(self, lifetime: int, clock=time.time):
        self.lifetime = lifetime
        self.clock = clock
        self.lock = threading.Lock()
        self.tokens = {}

    def issue(self, user, repositories) -> tuple:
        """A new opaque token and its record."""
        now = self.clock()
        value = secrets.token_urlsafe(32)
        record = Token(user, frozenset(repositories), now, now + self.lifetime)
        with self.lock:
            self.tokens[value] = record
        return value, record

    def lookup(self, value: str | None) -> Token | None:
        """The record of a token ever issued (expired or not); None for an unknown one."""
        if not value:
            return None
        with self.lock:
            return self.tokens.get(value)

    def is_valid(self, record: Token | None) -> bool:
        return record is not None and self.clock() < record.expires_at

    def expire_all(self) -> int:
        now = self.clock()
        with self.lock:
            live = [t for t in self.tokens.values() if t.expires_at > now]
            for t in live:
                t.expires_at = now
            return len(live)

    def clear(self):
        with self.lock:
            self.tokens.clear()


@dataclass(frozen=True)
class Refusal:
    """Why a request gets 401: error is None (no token at all), "invalid_token" (unknown or
    expired) or "insufficient_scope" (a valid token that does not cover the repository)."""
    error: str | None


def decide_pull(credentials: Credentials, record: Token | None, valid: bool, name: str | None):
    """None when the request may go on; else a Refusal. `name` None means the base endpoint
    `/v2/`, which any valid token opens."""
    if credentials.kind != "bearer":
        return Refusal(None)
    if record is None or not valid:
        return Refusal("invalid_token")
    if name is not None and name not in record.repositories:
        return Refusal("insufficient_scope")
    return None


def challenge(realm: str, service: str, name: str | None, error: str | None) -> str:
    """The WWW-Authenticate value (RFC 6750 §3) that sends the client to the token endpoint."""
    parts = [f'realm="{realm}"', f'service="{service}"']
    if name is not None:
        parts.append(f'scope="repository:{name}:pull"')
    if error:
        parts.append(f'error="{error}"')
    return "Bearer " + ",".join(parts)


def rfc3339(t: float) -> str:
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
