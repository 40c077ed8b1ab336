"""The registry's state (repositories, tags, manifests by digest, users) and its wiring."""

import os
import threading
from dataclasses import dataclass, field

from .access import NAME_RE, TAG_RE, TokenStore, User
from .images import build_image
from .outage import Outage
from .requestlog import RequestLog

SERVICE = "fake-registry"


@dataclass
class Repository:
    private: bool = False
    tags: dict = field(default_factory=dict)       # tag -> Image
    manifests: dict = field(default_factory=dict)  # digest -> Manifest, kept when a tag moves


class App:
    def __init__(self, token_lifetime: int, rand=os.urandom):
        self.url = ""  # set once the API port is known
        self.rand = rand
        self.lock = threading.Lock()
        self.repositories = {}
        self.users = {}
        self.tokens = TokenStore(token_lifetime)
        self.outage = Outage()
        self.requests = RequestLog()

    @property
    def realm(self) -> str:
        return self.url + "/token"

    def reset(self):
        with self.lock:
            self.repositories.clear()
            self.users.clear()
        self.tokens.clear()
        self.outage.clear()
        self.requests.reset()

    # ---- control ---------------------------------------------------------------------------

    def put_tag(self, name, tag, index=True, kind="oci", private=None):
        """Creates the tag or moves it to new content; answers what the control API returns."""
        if not isinstance(name, str) or not NAME_RE.fullmatch(name):
            raise ValueError(f"invalid repository name {name!r}")
        if not isinstance(tag, str) or not TAG_RE.fullmatch(tag):
            raise ValueError(f"invalid tag {tag!r}")
        image = build_image(bool(index), kind, self.rand)  # refuses an unknown kind
        with self.lock:
            repo = self.repositories.setdefault(name, Repository())
            if private is not None:
                repo.private = bool(private)
            repo.tags[tag] = image
            for m in image.manifests():
                repo.manifests[m.digest] = m
        return {"digest": image.top.digest,
                "platformDigests": {p: m.digest for p, m in image.platforms.items()}}

    def put_user(self, username, password, repositories):
        if not isinstance(username, str) or not username or ":" in username:
            raise ValueError("username must be a non-empty string without ':'")
        if not isinstance(password, str):
            raise ValueError("password must be a string")
        if not isinstance(repositories, list) or not all(isinstance(r, str) for r in repositories):
            raise ValueError("repositories must be a list of names")
        with self.lock:
            self.users[username] = User(password, frozenset(repositories))

    # ---- registry API ----------------------------------------------------------------------

    def user(self, username):
        with self.lock:
            return self.users.get(username)

    def private_repositories(self) -> set:
        with self.lock:
            return {n for n, r in self.repositories.items() if r.private}

    def find_image(self, name, tag):
        with self.lock:
            repo = self.repositories.get(name)
            return repo.tags.get(tag) if repo else None

    def find_manifest(self, name, digest):
        with self.lock:
            repo = self.repositories.get(name)
            return repo.manifests.get(digest) if repo else None
