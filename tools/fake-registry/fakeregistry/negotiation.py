"""Which manifest a tag serves, from the request's Accept headers (pure)."""

from .images import DEFAULT_PLATFORM, Image, Manifest


def accepted_types(header_values) -> set:
    """The media types a client accepts: every Accept header, each a comma-separated list;
    parameters dropped, compared lowercased. An item with q=0 is refused (RFC 9110 §12.4.2),
    so it does not count."""
    types = set()
    for value in header_values:
        for item in value.split(","):
            media_type, *params = [p.strip() for p in item.split(";")]
            if not media_type:
                continue
            if any(_is_zero_q(p) for p in params):
                continue
            types.add(media_type.lower())
    return types


def _is_zero_q(param: str) -> bool:
    key, _, value = param.partition("=")
    if key.strip().lower() != "q":
        return False
    try:
        return float(value.strip()) <= 0
    except ValueError:
        return False


def manifest_for_tag(image: Image, accepted: set) -> Manifest:
    """The index when the client names its media type (wildcards do not count, as in
    distribution); otherwise the linux/amd64 manifest, as a registry answers an old client."""
    if not image.is_index or image.top.media_type in accepted:
        return image.top
    return image.platforms[DEFAULT_PLATFORM]
