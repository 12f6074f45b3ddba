"""Rate limits of the public pages: a fixed window per client address, counted in Django's cache."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the header a trusted reverse proxy sets (settings.PORTAL_CLIENT_IP_HEADER)."""
    header = getattr(settings, "PORTAL_CLIENT_IP_HEADER", "")
    if header:
        forwarded = request.META.get(header, "")
        if forwarded:
            # X-Forwarded-For style lists: the proxy appends the address it saw last.
            return forwarded.split(",")[-1].strip()[:64]
    return str(request.META.get("REMOTE_ADDR", ""))[:64] or "unknown"


def allow(request: HttpRequest, scope: str, limit: int, period: int) -> tuple[bool, int]:
    """Count one request of ``scope``; (allowed?, seconds until the window ends).

    A limit of 0 or less switches the limit off.
    """
    if limit <= 0:
        return True, 0
    now = int(time.time())
    window = now // period
    key = f"portal:rate:{scope}:{client_ip(request)}:{window}"
    retry_after = period - now % period
    if cache.add(key, 1, timeout=period + 1):
        return True, retry_after
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=period + 1)
        count = 1
    return count <= limit, retry_after
