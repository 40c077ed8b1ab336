"""Image content: the platform manifests of a tag and the index over them, as the exact bytes a
registry serves (a digest is the sha256 of those bytes, so they are built once and kept)."""

import hashlib
import json
from dataclasses import dataclass
from typing import Callable

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"

INDEX_TYPES = (OCI_INDEX, DOCKER_LIST)
DEFAULT_PLATFORM = "linux/amd64"
# (os, architecture, variant): what `docker buildx build --platform linux/amd64,linux/arm64` makes.
PLATFORMS = (("linux", "amd64", None), ("linux", "arm64", "v8"))

_KINDS = {
    "oci": {"index": OCI_INDEX, "manifest": OCI_MANIFEST, "config": OCI_CONFIG, "layer": OCI_LAYER},
    "docker": {"index": DOCKER_LIST, "manifest": DOCKER_MANIFEST, "config": DOCKER_CONFIG,
               "layer": DOCKER_LAYER},
}
INDEX_KINDS = tuple(_KINDS)


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Manifest:
    media_type: str
    body: bytes

    @property
    def digest(self) -> str:
        return sha256_digest(self.body)


@dataclass(frozen=True)
class Image:
    """What a tag points at. `top` is the index (or, for a single-manifest tag, the manifest);
    `platforms` maps "os/arch" to its manifest."""
    top: Manifest
    platforms: dict

    @property
    def is_index(self) -> bool:
        return self.top.media_type in INDEX_TYPES

    def manifests(self):
        """Every manifest reachable by digest."""
        return [self.top, *self.platforms.values()] if self.is_index else [self.top]


def _serialize(obj, kind: str) -> bytes:
    # distribution writes Docker schema 2 manifests indented by three spaces, while OCI ones from
    # buildkit are compact: a client must hash the bytes it got, never its own re-encoding.
    if kind == "docker":
        return json.dumps(obj, indent=3).encode()
    return json.dumps(obj, separators=(",", ":")).encode()


def _random_digest(rand: Callable[[int], bytes]) -> str:
    return sha256_digest(rand(32))


def _platform_manifest(os_name, arch, kind, rand) -> Manifest:
    types = _KINDS[kind]
    layers = [{"mediaType": types["layer"], "size": 1024 + int.from_bytes(rand(3), "big"),
               "digest": _random_digest(rand)} for _ in range(2)]
    config = json.dumps({
        "architecture": arch, "os": os_name,
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
        "rootfs": {"type": "layers", "diff_ids": [_random_digest(rand) for _ in layers]},
    }, separators=(",", ":")).encode()
    manifest = {"schemaVersion": 2, "mediaType": types["manifest"],
                "config": {"mediaType": types["config"], "size": len(config),
                           "digest": sha256_digest(config)},
                "layers": layers}
    return Manifest(types["manifest"], _serialize(manifest, kind))


def build_image(index: bool, kind: str, rand: Callable[[int], bytes]) -> Image:
    """New content for a tag: fresh random layers and configs, so every call yields new digests.
    `kind` is "oci" or "docker" (the media types of the index and of its manifests)."""
    if kind not in _KINDS:
        raise ValueError(f"indexType must be one of {', '.join(INDEX_KINDS)}, not {kind!r}")
    platforms = {f"{o}/{a}": _platform_manifest(o, a, kind, rand) for o, a, _ in PLATFORMS}
    if not index:
        amd64 = platforms[DEFAULT_PLATFORM]
        return Image(amd64, {DEFAULT_PLATFORM: amd64})
    entries = []
    for os_name, arch, variant in PLATFORMS:
        m = platforms[f"{os_name}/{arch}"]
        platform = {"architecture": arch, "os": os_name}
        if variant:
            platform["variant"] = variant
        entries.append({"mediaType": m.media_type, "size": len(m.body), "digest": m.digest,
                        "platform": platform})
    media_type = _KINDS[kind]["index"]
    top = Manifest(media_type, _serialize(
        {"schemaVersion": 2, "mediaType": media_type, "manifests": entries}, kind))
    return Image(top, platforms)
