"""Timestamps in the layouts the API server writes."""

import datetime


def now_rfc3339(t=None):
    """metav1.Time as the server writes it: RFC 3339 in UTC, whole seconds."""
    d = datetime.datetime.fromtimestamp(t, datetime.timezone.utc) if t is not None \
        else datetime.datetime.now(datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def now_micro(t=None):
    """metav1.MicroTime: exactly six fractional digits."""
    d = datetime.datetime.fromtimestamp(t, datetime.timezone.utc) if t is not None \
        else datetime.datetime.now(datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_rfc3339(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
