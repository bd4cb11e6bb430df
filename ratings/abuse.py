"""Who is rating: the device (a signed cookie, and whether it is new or young), the client's
network, a comment's fingerprint (the address itself: core.security.client_ip). Pure helpers,
no queries."""

import hashlib
import hmac
import ipaddress
import unicodedata
import uuid
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings

DEVICE_COOKIE = "lx_device"
DEVICE_SALT = "ratings.device"
DEVICE_MAX_AGE = 2 * 365 * 24 * 3600
MIN_FINGERPRINT_CHARS = 6  # "很好" or "满意" from many people is not copy-paste


class Device(NamedTuple):
    id: str
    new: bool  # no valid cookie came: the answer sets one
    fresh: bool  # new, or its cookie was issued within the window asked about


def device_of(request, fresh_within: timedelta | None = None) -> Device:
    """The device id from the signed cookie. With `fresh_within`, also whether the cookie is
    younger than that (the signature carries its time): a device first seen a moment ago
    proves no more than none (ratings.rules FRESH_DEVICE_WINDOW)."""
    device = request.get_signed_cookie(DEVICE_COOKIE, default=None, salt=DEVICE_SALT)
    if not (device and len(device) == 32):
        return Device(uuid.uuid4().hex, True, True)
    young = fresh_within is not None and (
        request.get_signed_cookie(
            DEVICE_COOKIE, default=None, salt=DEVICE_SALT, max_age=fresh_within
        )
        is not None
    )
    return Device(device, False, young)


def remember_device(response, device: str) -> None:
    response.set_signed_cookie(
        DEVICE_COOKIE,
        device,
        salt=DEVICE_SALT,
        max_age=DEVICE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def network_of(address: str) -> str:
    """The /24 of an IPv4 address or the /48 of an IPv6 address: one household, office or
    campaign usually shares it."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    return str(ipaddress.ip_network((ip, 24 if ip.version == 4 else 48), strict=False))


def comment_fingerprint(text: str) -> str:
    """The same words whatever the spacing, punctuation, width or case; empty for short text."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")
    if len(kept) < MIN_FINGERPRINT_CHARS:
        return ""
    return hashlib.sha256(kept.encode()).hexdigest()


def phone_hash(phone: str) -> str:
    """A keyed hash: the platform can tell one phone from another without storing numbers."""
    return hmac.new(settings.SECRET_KEY.encode(), phone.encode(), hashlib.sha256).hexdigest()
