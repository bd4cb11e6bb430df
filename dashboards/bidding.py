"""Bid rigging (围标串标, docs/rules.md §9, issue #18 point 1), read from the tenders' bids: the
same companies bidding together again and again; losers who lose only to one winner and never
win anything; wins taking turns within a group; bids too close to one another or in a fixed
ratio; bidders sharing a telephone, account, address or e-mail. Each row shows its evidence;
none accuses. Every list is a fixed number of queries."""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property
from itertools import combinations, pairwise

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import Organisation
from approvals.models import Tender, TenderBid
from core.money import format_yuan
from projects.models import Project

from .identities import ATTRIBUTES, company_link, shared_identities
from .rows import ALL_TIME, Period, Row, project_links

# Two companies in at least this many tenders together, and in at least this share of the
# tenders the less active of them bid in.
TOGETHER_MIN = 3
TOGETHER_SHARE = Decimal("0.75")
# A loser with at least this many losses, all to one winner, and not one win of its own.
LOSSES_MIN = 3
# The same bidders in at least this many tenders, the win never staying with one of them.
ROTATION_MIN = 3
# Two bids of a tender within this share of the lower one; or three or more bids each this
# close to the same ratio with the next.
CLOSE_SHARE = Decimal("0.005")
RATIO_TOLERANCE = Decimal("0.0005")


@dataclass(frozen=True)
class Competition:
    project_id: int
    code: str | None
    name: str
    day: date
    bids: list[tuple[int, Decimal]]  # (bidder, amount), lowest first
    winner: int

    @property
    def bidders(self) -> frozenset[int]:
        return frozenset(bidder for bidder, _amount in self.bids)

    @cached_property
    def project(self) -> Project:
        """An unsaved stand-in with what a row shows (only the rows that are shown build one)."""
        return Project(pk=self.project_id, code=self.code, name=self.name)


def competitions(projects: QuerySet[Project], period: Period) -> tuple[list[Competition], dict]:
    """The period's tenders on the projects with their bids, oldest first; and the bidders'
    names. Three queries, reading values, not models (50,000 projects: docs/rules.md §9)."""
    tenders = Tender.objects.filter(
        period.q("notice_date", is_date=True), project__in=projects
    ).order_by()
    bids: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for tender_id, bidder_id, amount in (
        TenderBid.objects.filter(tender__in=tenders.values("id"))
        .order_by("tender_id", "amount", "bidder_id")
        .values_list("tender_id", "bidder_id", "amount")
    ):
        bids[tender_id].append((bidder_id, amount))
    found = [
        Competition(project_id, code, name, day, bids.get(tender_id, []), winner)
        for tender_id, project_id, code, name, day, winner in tenders.order_by(
            "notice_date", "id"
        ).values_list(
            "id", "project_id", "project__code", "project__name", "notice_date", "winner_id"
        )
    ]
    bidders = {bidder for rows in bids.values() for bidder, _amount in rows}
    names = dict(Organisation.objects.filter(pk__in=bidders).values_list("id", "name"))
    return found, names


def _tender_links(competition: Competition) -> list[tuple[str, str]]:
    return project_links(competition.project)


def _codes(items: list[Competition]) -> str:
    return "、".join(c.code or str(c.project_id) for c in items)


def together_rows(projects: QuerySet[Project], period: Period = ALL_TIME) -> list[Row]:
    """The same two companies bidding together again and again."""
    found, names = competitions(projects, period)
    bids_of: Counter[int] = Counter()
    together: dict[tuple[int, int], list[Competition]] = defaultdict(list)
    for competition in found:
        bids_of.update(competition.bidders)
        for pair in combinations(sorted(competition.bidders), 2):
            together[pair].append(competition)
    rows = []
    for (a, b), items in together.items():
        share = Decimal(len(items)) / min(bids_of[a], bids_of[b])
        if len(items) < TOGETHER_MIN or share < TOGETHER_SHARE:
            continue
        rows.append(
            Row(
                None,
                [names[a], names[b], len(items), f"{share * 100:.0f}%"],
                _("%(a)s与%(b)s共同投标 %(n)d 次（占较少一方投标次数的 %(share)s%%）：%(codes)s。")
                % {
                    "a": names[a],
                    "b": names[b],
                    "n": len(items),
                    "share": f"{share * 100:.0f}",
                    "codes": _codes(items),
                },
                [
                    (names[a], company_link(a)),
                    (names[b], company_link(b)),
                    *(link for c in items[:5] for link in _tender_links(c)[:1]),
                ],
                Decimal(len(items)) / TOGETHER_MIN,
            )
        )
    return rows


def loser_rows(projects: QuerySet[Project], period: Period = ALL_TIME) -> list[Row]:
    """陪标: a company that loses only to one winner and never wins (an honest competitor in a
    small market wins elsewhere now and then)."""
    found, names = competitions(projects, period)
    winners: set[int] = {c.winner for c in found}
    lost_to: dict[int, list[Competition]] = defaultdict(list)
    for competition in found:
        for bidder in competition.bidders - {competition.winner}:
            lost_to[bidder].append(competition)
    rows = []
    for loser, items in lost_to.items():
        if loser in winners or len(items) < LOSSES_MIN:
            continue
        beaten_by = {c.winner for c in items}
        if len(beaten_by) != 1:
            continue
        (winner,) = beaten_by
        rows.append(
            Row(
                None,
                [names[loser], names[winner], len(items)],
                _("%(loser)s投标 %(n)d 次，每次都输给%(winner)s，从未中标：%(codes)s。")
                % {
                    "loser": names[loser],
                    "winner": names[winner],
                    "n": len(items),
                    "codes": _codes(items),
                },
                [
                    (names[loser], company_link(loser)),
                    (names[winner], company_link(winner)),
                    *(link for c in items[:5] for link in _tender_links(c)[:1]),
                ],
                Decimal(len(items)) / LOSSES_MIN,
            )
        )
    return rows


def rotation_rows(projects: QuerySet[Project], period: Period = ALL_TIME) -> list[Row]:
    """The same bidders again and again, the win passing from one to the next."""
    found, names = competitions(projects, period)
    groups: dict[frozenset[int], list[Competition]] = defaultdict(list)
    for competition in found:
        if len(competition.bidders) >= 2:
            groups[competition.bidders].append(competition)
    rows = []
    for members, items in groups.items():
        order = [c.winner for c in items]  # oldest first
        if len(items) < ROTATION_MIN or len(set(order)) < 2:
            continue
        if any(a == b for a, b in pairwise(order)):
            continue  # the same company winning twice running is no taking of turns
        rows.append(
            Row(
                None,
                [
                    "、".join(sorted(names[m] for m in members)),
                    len(items),
                    " → ".join(names[w] for w in order),
                ],
                _("同一组单位共投标 %(n)d 次，中标依次为：%(order)s（%(codes)s）。")
                % {
                    "n": len(items),
                    "order": " → ".join(names[w] for w in order),
                    "codes": _codes(items),
                },
                [
                    *((names[m], company_link(m)) for m in sorted(members)),
                    *(link for c in items[:5] for link in _tender_links(c)[:1]),
                ],
                Decimal(len(items)) / ROTATION_MIN,
            )
        )
    return rows


def _fixed_ratio(amounts: list[Decimal]) -> Decimal | None:
    """The one ratio between each bid and the next, when three or more bids keep it."""
    if len(amounts) < 3:
        return None
    ratios = [b / a for a, b in pairwise(amounts)]
    first = ratios[0]
    if first == 1 or any(abs(r - first) > RATIO_TOLERANCE for r in ratios):
        return None
    return first


def price_rows(projects: QuerySet[Project], period: Period = ALL_TIME) -> list[Row]:
    """Bids within a hair of one another, or stepping by one ratio."""
    found, names = competitions(projects, period)
    rows = []
    for competition in found:
        amounts = [amount for _bidder, amount in competition.bids]
        closest = min(
            (((b - a) / a, i) for i, (a, b) in enumerate(pairwise(amounts))),
            default=None,
        )
        ratio = _fixed_ratio(amounts)
        if not ((closest is not None and closest[0] <= CLOSE_SHARE) or ratio is not None):
            continue
        bids = "、".join(f"{names[b]} {format_yuan(x)}" for b, x in competition.bids)
        project = competition.project
        if closest is not None and closest[0] <= CLOSE_SHARE:
            gap, i = closest
            a, b = competition.bids[i], competition.bids[i + 1]
            rows.append(
                Row(
                    project,
                    [project.code, project.name, _("报价过近"), bids],
                    _("%(a)s与%(b)s的报价仅相差 %(gap)s%%（阈值 %(limit)s%%）。")
                    % {
                        "a": names[a[0]],
                        "b": names[b[0]],
                        "gap": f"{gap * 100:.2f}",
                        "limit": f"{CLOSE_SHARE * 100:.1f}",
                    },
                    _tender_links(competition),
                    CLOSE_SHARE / gap if gap else Decimal(100),
                )
            )
        elif ratio is not None:
            rows.append(
                Row(
                    project,
                    [project.code, project.name, _("报价成固定比例"), bids],
                    _("%(n)d 家的报价依次相差同一比例 %(ratio)s。")
                    % {"n": len(amounts), "ratio": f"{ratio:.4f}"},
                    _tender_links(competition),
                    Decimal(1),
                )
            )
    return rows


def bidder_identity_rows(projects: QuerySet[Project], period: Period = ALL_TIME) -> list[Row]:
    """Bidders of one tender who share a telephone, account, address or e-mail."""
    found, names = competitions(projects, period)
    pairs = shared_identities({b for c in found for b in c.bidders})
    rows = []
    for competition in found:
        for pair in combinations(sorted(competition.bidders), 2):
            attributes = pairs.get(pair)
            if not attributes:
                continue
            shared = "、".join(str(ATTRIBUTES[x]) for x in attributes)
            project = competition.project
            rows.append(
                Row(
                    project,
                    [project.code, project.name, names[pair[0]], names[pair[1]], shared],
                    _("同一项目的投标人%(a)s与%(b)s的%(shared)s相同。")
                    % {"a": names[pair[0]], "b": names[pair[1]], "shared": shared},
                    [
                        *_tender_links(competition),
                        (names[pair[0]], company_link(pair[0])),
                        (names[pair[1]], company_link(pair[1])),
                    ],
                    Decimal(len(attributes)),
                )
            )
    return rows
