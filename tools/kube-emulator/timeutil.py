"""Timestamps in the layouts the API server writes, read from the cluster's clock."""

import datetime

from clock import CLOCK


def now_rfc3339(t=None):
    """metav1.Time as the server writes it: RFC 3339 in UTC, whole seconds."""
    d = datetime.datetime.fromtimestamp(CLOCK.now() if t is None else t, datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def now_micro(t=None):
    """metav1.MicroTime: exactly six fractional digits."""
    d = datetime.datetime.fromtimestamp(CLOCK.now() if t is None else t, datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_rfc3339(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


_ZERO = datetime.datetime(1, 1, 1, tzinfo=datetime.timezone.utc)


def _utc(text):
    d = datetime.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    return d.astimezone(datetime.timezone.utc)


def canonical_time(text):
    """A metav1.Time the way the server writes it back after decoding: in UTC, fraction cut
    off (time.RFC3339 layout); Go's zero time becomes null. Input already checked."""
    try:
        d = _utc(text)
    except (ValueError, OverflowError):
        return text  # out of Python's range (year 0 and before): left as sent
    if d == _ZERO:
        return None
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def canonical_micro_time(text):
    """A metav1.MicroTime written back: in UTC with exactly six fractional digits."""
    try:
        d = _utc(text)
    except (ValueError, OverflowError):
        return text
    if d == _ZERO:
        return None
    return d.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
