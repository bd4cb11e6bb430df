"""Log-in throttling (django-axes) on two keys: a user name from one address is locked after
AXES_FAILURE_LIMIT failures, and an address is locked, whatever names it tries, after
AXES_ADDRESS_FAILURE_LIMIT (password spraying from one machine). The address limit is higher
because a street office's staff share one NAT address and their typos must not lock them all."""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Sum


def _failures(attempts) -> int:
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class UserAndAddressHandler(AxesDatabaseHandler):
    """AXES_LOCKOUT_PARAMETERS must be [["username", "ip_address"], "ip_address"], in this
    order: the first query set counts the pair, the second the address."""

    def get_failures(self, request, credentials=None) -> int:
        pair, address = self.get_user_attempts(request, credentials)
        pair_failures = _failures(pair)
        if _failures(address) >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            return max(pair_failures, get_failure_limit(request, credentials))
        return pair_failures

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A success clears its own user name's count on that address only: one valid account
        must not wash an address's count clean for the names it is spraying."""
        pair = self.filter_user_attempts(request, credentials)[0]
        count, _ = pair.delete()
        return count
