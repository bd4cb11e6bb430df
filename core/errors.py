"""The one error type services raise for rule violations; the API and pages render it alike."""

from typing import Any


class ApplicationError(Exception):
    """A business rule refused the operation. `status` is the HTTP status the API answers with."""

    status = 400

    def __init__(
        self, message: str, *, extra: dict[str, Any] | None = None, status: int | None = None
    ):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
        if status is not None:
            self.status = status


class ConflictError(ApplicationError):
    """The object's state does not allow the operation (HTTP 409)."""

    status = 409
