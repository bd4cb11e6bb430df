"""Pluggable SMS backends for the optional phone check on ratings. Set RATING_SMS_BACKEND to a
dotted path of a class with send(phone, text); the console backend prints (development)."""

import logging
import sys

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class ConsoleBackend:
    def send(self, phone: str, text: str) -> None:
        sys.stdout.write(f"SMS to {phone}: {text}\n")
        sys.stdout.flush()


class LocmemBackend:
    """Keeps the messages in `outbox` (for tests)."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.outbox.append((phone, text))


def send_sms(phone: str, text: str) -> None:
    import_string(settings.RATING_SMS_BACKEND)().send(phone, text)
