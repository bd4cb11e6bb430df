"""What a drawn lottery shows anyone who wants to recompute it (page and API)."""

from .lottery import PARTIES, check_command


def lottery_reveals(lottery) -> list[str] | None:
    """The reveals in party order as the draw used them (a replaced party's is the platform's
    published seed); None before a commit–reveal draw."""
    if not lottery.drawn_at or not lottery.draw_seed:
        return None
    parts = {c.party: c.reveal for c in lottery.contributions.all()}
    return [
        lottery.seed if party in lottery.replaced else parts.get(party, "") for party in PARTIES
    ]


def lottery_check_command(lottery) -> str | None:
    reveals = lottery_reveals(lottery)
    if reveals is None:
        return None
    return check_command(reveals, [entry["credit_code"] for entry in lottery.shortlist])
