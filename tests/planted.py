"""A labelled evaluation set for the anomaly rules of issue #18 (docs/rules.md §9): a district with
planted cases of each kind and, beside them, clean look-alikes that a careless rule would flag —
honest repeat co-bidders and repeat winners in a small market, a loser who wins elsewhere, bids a
normal distance apart, a business park's shared street address, a common name, two postings one
after the other, one honest large change, small changes that stay small.

    cases = plant(district)              # builds it in the current database
    figures = evaluate(cases)            # per rule: planted, found, look-alikes, flagged

Each case is marked by a name no other case uses; a rule finds a case when one of its rows names
the mark. Used by dashboards/tests/test_evaluation.py (the targets as a test) and
bench/anomaly_eval.py (the figures printed)."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import count
from zoneinfo import ZoneInfo

from accounts.choices import OrganisationKind, Role, StaffPosition
from accounts.models import CompanyStaff, Organisation
from accounts.tests.factories import UserFactory
from approvals.choices import ChangeStatus
from approvals.models import ChangeOrder, Tender, TenderBid
from dashboards.anomalies import KINDS
from inspections.models import PatrolLog, ProgressReport
from projects.choices import PaymentStage
from projects.models import Contract, Payment, Project
from projects.tests.factories import apart, make_project


@dataclass(frozen=True)
class Case:
    rule: str  # the anomaly list's slug
    mark: str  # a name only this case uses
    planted: bool  # True: must be listed; False: a look-alike that must not be


class World:
    """Makes companies, projects, tenders and contracts, each with a name of its own."""

    def __init__(self, district):
        self.d = district
        self.serial = count(1)
        self.day = date(2026, 1, 5)

    def company(self, name: str, kind=OrganisationKind.CONTRACTOR, **identity) -> Organisation:
        n = next(self.serial)
        return Organisation.objects.create(
            name=name,
            kind=kind,
            credit_code=_credit_code(n),
            bank_account=identity.pop("bank_account", f"62220211{n:011d}"),
            contact_phone=identity.pop("contact_phone", f"1380594{n:04d}"),
            address=identity.pop("address", f"荔城区测试路{n}号"),
            legal_representative=identity.pop("legal_representative", f"代表{n}"),
            email=identity.pop("email", f"c{n}@example.cn"),
            **identity,
        )

    def project(self, name: str) -> Project:
        n = next(self.serial)
        return make_project(
            self.d.street_zhenhai,
            name=name,
            budget_amount=Decimal("120000"),
            **apart(n),
        )

    def tender(self, name: str, bids: list[tuple[Organisation, str]], winner: Organisation):
        self.day += timedelta(days=7)
        tender = Tender.objects.create(
            project=self.project(name),
            notice_date=self.day,
            winner=winner,
            reason="综合评分第一",
            recorded_by=self.d.dept,
        )
        TenderBid.objects.bulk_create(
            TenderBid(tender=tender, bidder=company, amount=Decimal(amount))
            for company, amount in bids
        )
        return tender

    def staff(self, company, position, name, certificate="", phone=""):
        return CompanyStaff.objects.create(
            organisation=company,
            position=position,
            name=name,
            certificate_no=certificate,
            phone=phone,
        )

    def contract(
        self, name, contractor, *, supervisor=None, start, end, people=None, amount="100000"
    ):
        people = people or {}
        project = self.project(name)
        supervisor = supervisor or self.d.super_org
        return Contract.objects.create(
            project=project,
            contractor=contractor,
            supervision_unit=supervisor,
            amount=Decimal(amount),
            start_date=start,
            end_date=end,
            project_manager=people.get("pm")
            or self.staff(contractor, StaffPosition.PROJECT_MANAGER, f"{name}经理"),
            safety_officer=people.get("safety")
            or self.staff(contractor, StaffPosition.SAFETY_OFFICER, f"{name}安全员"),
            quality_inspector=people.get("quality")
            or self.staff(contractor, StaffPosition.QUALITY_INSPECTOR, f"{name}质检员"),
            site_supervisor=self.d.staff[(self.d.super_org.name, "site_supervisor")],
            filed_by=self.d.street_zhenhai,
        )


def _credit_code(n: int) -> str:
    """A valid 统一社会信用代码 (GB 32100 check character) for test company n."""
    from stdnum.cn import uscc

    body = f"91350304PL{n:07d}"  # PL: planted; the factories use other letters
    return body + uscc.calc_check_digit(body)


def plant(district) -> list[Case]:
    w = World(district)
    cases: list[Case] = []
    cases += _bidding(w)
    cases += _identities(w)
    cases += _postings(w)
    cases += _changes(w)
    cases += _site(w)
    return cases


def _filler(w, n: int) -> list[Organisation]:
    return [w.company(f"填充投标{next(w.serial)}") for _ in range(n)]


def _bidding(w: World) -> list[Case]:
    cases = []
    # 围标: two companies in four tenders together, nowhere else.
    a, b = w.company("围标甲"), w.company("围标乙")
    for i in range(4):
        (x,) = _filler(w, 1)
        winner = [a, b, x, a][i]
        w.tender(f"围标项目{i}", [(a, "100000"), (b, "103000"), (x, "106000")], winner)
    cases.append(Case("bid-together", "围标甲", True))
    # look-alike: two busy companies that meet three times among many tenders each.
    c, d = w.company("常投丙"), w.company("常投丁")
    for i in range(3):
        (x,) = _filler(w, 1)
        w.tender(f"常投同场{i}", [(c, "100000"), (d, "104000"), (x, "108000")], [c, d, x][i])
    for i in range(5):
        (x, y) = _filler(w, 2)
        w.tender(f"常投丙独{i}", [(c, "100000"), (x, "105000"), (y, "110000")], [c, x, y, c, x][i])
        (x, y) = _filler(w, 2)
        w.tender(f"常投丁独{i}", [(d, "100000"), (x, "105000"), (y, "110000")], [d, x, y, d, x][i])
    cases.append(Case("bid-together", "常投丙", False))

    # 陪标: a company that bids four times, loses each time to one winner, never wins.
    boss, shill = w.company("陪标主"), w.company("陪标者")
    for i in range(4):
        (x,) = _filler(w, 1)
        w.tender(f"陪标项目{i}", [(boss, "100000"), (shill, "107000"), (x, "109000")], boss)
    cases.append(Case("bid-losers", "陪标者", True))
    # look-alike: a small market's strong company beats another four times, which wins elsewhere.
    strong, honest = w.company("实力强"), w.company("小而诚")
    for i in range(4):
        (x,) = _filler(w, 1)
        w.tender(f"小市场{i}", [(strong, "100000"), (honest, "104000"), (x, "108000")], strong)
    (x,) = _filler(w, 1)
    w.tender("小而诚中标", [(honest, "100000"), (x, "104000")], honest)
    cases.append(Case("bid-losers", "小而诚", False))

    # 轮流中标: three companies, three tenders, each wins once in turn.
    r = [w.company("轮标甲"), w.company("轮标乙"), w.company("轮标丙")]
    for i in range(3):
        w.tender(f"轮标项目{i}", [(r[0], "100000"), (r[1], "102500"), (r[2], "105500")], r[i])
    cases.append(Case("bid-rotation", "轮标甲", True))
    # look-alike: the same three meeting three times, the best of them winning twice running.
    s = [w.company("同组甲"), w.company("同组乙"), w.company("同组丙")]
    for i, winner in enumerate([s[0], s[0], s[1]]):
        w.tender(f"同组项目{i}", [(s[0], "100000"), (s[1], "103000"), (s[2], "107000")], winner)
    cases.append(Case("bid-rotation", "同组甲", False))

    # 报价: two bids 0.3% apart; three bids each 2% above the one before.
    (p, q, x) = (w.company("近价甲"), w.company("近价乙"), w.company("近价丙"))
    w.tender("近价项目", [(p, "100000"), (q, "100300"), (x, "106000")], p)
    cases.append(Case("bid-prices", "近价项目", True))
    (p, q, x) = (w.company("比例甲"), w.company("比例乙"), w.company("比例丙"))
    w.tender("比例项目", [(p, "100000"), (q, "102000"), (x, "104040")], p)
    cases.append(Case("bid-prices", "比例项目", True))
    # look-alike: bids a normal distance apart (1.5%, 2.2%).
    (p, q, x) = (w.company("常价甲"), w.company("常价乙"), w.company("常价丙"))
    w.tender("常价项目", [(p, "100000"), (q, "101500"), (x, "103733")], p)
    cases.append(Case("bid-prices", "常价项目", False))

    # 投标人身份: two bidders of one tender with one e-mail; look-alike: one business park.
    e1 = w.company("同邮甲", email="bid@163.com")
    e2 = w.company("同邮乙", email="BID@163.com")
    (x,) = _filler(w, 1)
    w.tender("同邮项目", [(e1, "100000"), (e2, "104000"), (x, "108000")], e1)
    cases.append(Case("bid-identities", "同邮项目", True))
    g1 = w.company("园区甲", address="荔城区荔园科技园A座301室")
    g2 = w.company("园区乙", address="荔城区荔园科技园A座502室")
    (x,) = _filler(w, 1)
    w.tender("园区项目", [(g1, "100000"), (g2, "104000"), (x, "108000")], g1)
    cases.append(Case("bid-identities", "园区项目", False))
    return cases


def _identities(w: World) -> list[Case]:
    cases = []
    # Two companies with one bank account written two ways (both bid, so both are active).
    a = w.company("同账甲", bank_account="6222 0211 0000 9999 001")
    b = w.company("同账乙", bank_account="6222021100009999001")
    w.tender("同账项目甲", [(a, "100000"), *[(x, "109000") for x in _filler(w, 1)]], a)
    w.tender("同账项目乙", [(b, "100000"), *[(x, "109000") for x in _filler(w, 1)]], b)
    cases.append(Case("shared-identities", "同账甲", True))
    # look-alike: a common legal representative's name and nothing else.
    c = w.company("同名甲", legal_representative="王伟")
    d = w.company("同名乙", legal_representative="王 伟")
    w.tender("同名项目甲", [(c, "100000"), *[(x, "109000") for x in _filler(w, 1)]], c)
    w.tender("同名项目乙", [(d, "100000"), *[(x, "109000") for x in _filler(w, 1)]], d)
    cases.append(Case("shared-identities", "同名甲", False))

    # A supervision unit with the contractor's telephone; look-alike: another with its own.
    builder = w.company("关联施工")
    tied = w.company(
        "关联监理", kind=OrganisationKind.SUPERVISOR, contact_phone=builder.contact_phone
    )
    w.contract(
        "关联监理项目", builder, supervisor=tied, start=date(2026, 3, 1), end=date(2026, 6, 30)
    )
    cases.append(Case("supervision-ties", "关联监理项目", True))
    free = w.company("独立监理", kind=OrganisationKind.SUPERVISOR)
    w.contract(
        "独立监理项目",
        w.company("独立施工"),
        supervisor=free,
        start=date(2026, 3, 1),
        end=date(2026, 6, 30),
    )
    cases.append(Case("supervision-ties", "独立监理项目", False))

    # A company's person with the telephone of an officer of the awarding street.
    UserFactory(
        username="street_planted",
        organisation=w.d.street_zhenhai.organisation,
        role=Role.STREET_STAFF,
        phone="13905947777",
    )
    kin = w.company("亲属施工")
    w.staff(kin, StaffPosition.OTHER, "亲属联络人", phone="139-0594-7777")
    w.contract("亲属项目", kin, start=date(2026, 3, 1), end=date(2026, 6, 30))
    cases.append(Case("awarder-ties", "亲属项目", True))
    stranger = w.company("无关施工")
    w.staff(stranger, StaffPosition.OTHER, "同姓联络人", phone="13905948888")
    w.contract("无关项目", stranger, start=date(2026, 3, 1), end=date(2026, 6, 30))
    cases.append(Case("awarder-ties", "无关项目", False))
    return cases


def _postings(w: World) -> list[Case]:
    cases = []
    # 挂证: one safety officer's certificate on two contracts that overlap by a month.
    firm = w.company("挂证施工")
    lent = w.staff(firm, StaffPosition.SAFETY_OFFICER, "挂证安全员", certificate="闽安C0001")
    w.contract(
        "挂证项目甲", firm, start=date(2026, 3, 1), end=date(2026, 5, 31), people={"safety": lent}
    )
    w.contract(
        "挂证项目乙", firm, start=date(2026, 5, 1), end=date(2026, 7, 31), people={"safety": lent}
    )
    cases.append(Case("certificate-lending", "挂证安全员", True))
    # look-alike: one safety officer on two contracts, one after the other.
    careful = w.company("接续施工")
    officer = w.staff(careful, StaffPosition.SAFETY_OFFICER, "接续安全员", certificate="闽安C0002")
    w.contract(
        "接续项目甲",
        careful,
        start=date(2026, 3, 1),
        end=date(2026, 4, 30),
        people={"safety": officer},
    )
    w.contract(
        "接续项目乙",
        careful,
        start=date(2026, 5, 1),
        end=date(2026, 6, 30),
        people={"safety": officer},
    )
    cases.append(Case("certificate-lending", "接续安全员", False))
    return cases


def _changes(w: World) -> list[Case]:
    cases = []

    def changed(name, *deltas):
        contract = w.contract(
            name, w.company(f"{name}施工"), start=date(2026, 3, 1), end=date(2026, 8, 31)
        )
        ChangeOrder.objects.bulk_create(
            ChangeOrder(
                project=contract.project,
                amount_delta=Decimal(delta),
                reason="现场条件变化",
                status=ChangeStatus.APPROVED,
                requested_by=w.d.street_zhenhai,
            )
            for delta in deltas
        )

    changed("化整变更项目", "4000", "4000", "4000")
    cases.append(Case("change-creep", "化整变更项目", True))
    changed("一次大变更项目", "12000")
    cases.append(Case("change-creep", "一次大变更项目", False))
    changed("小变更项目", "3000", "4000")
    cases.append(Case("change-creep", "小变更项目", False))
    return cases


SHANGHAI = ZoneInfo("Asia/Shanghai")


def _at(day: date, hour: int = 17) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


def _site(w: World) -> list[Case]:
    """Progress, payments and completions set against the supervisor's logs: a site reported
    as advancing while stopped, a request for work the logs never saw, a completion after two
    worked days; beside them sites whose logs bear the claims out, and a stopped site that
    reported no progress."""
    cases = []
    start = date(2026, 3, 2)  # a Monday

    def site(name, worked: list[int], stopped: tuple[int, ...] | list[int] = ()):
        """A started contract of 100,000 元 with logs on the given days after the start."""
        contract = w.contract(name, w.company(f"{name}施工"), start=start, end=date(2026, 5, 29))
        project = contract.project
        Project.objects.filter(pk=project.pk).update(started_at=_at(start, 8))
        project.refresh_from_db()
        PatrolLog.objects.bulk_create(
            PatrolLog(
                project=project,
                supervision_unit=w.d.super_org,
                supervisor=w.d.supervisor,
                log_date=start + timedelta(days=offset),
                weather="晴",
                work_done="施工" if heads else "停工",
                head_count=heads,
                client_key=uuid.uuid4(),
            )
            for offsets, heads in ((worked, 6), (stopped, 0))
            for offset in offsets
        )
        return contract

    def report(contract, offset: int, percent: str):
        made = ProgressReport.objects.create(
            project=contract.project,
            percent=Decimal(percent),
            text="进度",
            reported_by=w.d.street_zhenhai,
        )
        ProgressReport.objects.filter(pk=made.pk).update(created_at=_at(start + timedelta(offset)))

    def request(contract, offset: int, value: str):
        made = Payment.objects.create(
            project=contract.project,
            contract=contract,
            stage=PaymentStage.PROGRESS,
            amount=Decimal(value) * Decimal("0.7"),
            work_value=Decimal(value),
            payee_name=contract.contractor.name,
            payee_account=contract.contractor.bank_account,
            requested_by=w.d.street_zhenhai,
        )
        Payment.objects.filter(pk=made.pk).update(created_at=_at(start + timedelta(offset)))

    def complete(contract, offset: int):
        Project.objects.filter(pk=contract.project_id).update(
            completed_at=_at(start + timedelta(offset))
        )

    # 进度空报: worked on the first two days, then stopped a week; the report of day 8 says 40%.
    stopped = site("停工报进度项目", [0, 1], [2, 3, 4, 7, 8])
    report(stopped, 1, "10")
    report(stopped, 8, "40")
    cases.append(Case("progress-no-work", "停工报进度项目", True))
    honest = site("如实报进度项目", [0, 1, 2, 3, 4, 7, 8])
    report(honest, 1, "10")
    report(honest, 8, "40")
    cases.append(Case("progress-no-work", "如实报进度项目", False))
    quiet = site("停工未报进度项目", [0, 1], [2, 3, 4, 7, 8])
    report(quiet, 1, "10")
    report(quiet, 8, "10")
    cases.append(Case("progress-no-work", "停工未报进度项目", False))

    # 虚报工程量: 60,000 元 of work asked for after five worked days of some sixty planned.
    early = site("超日志请款项目", [0, 1, 2, 3, 4])
    request(early, 8, "60000")
    cases.append(Case("payment-over-logs", "超日志请款项目", True))
    steady = site("按日志请款项目", [d for d in range(40) if (start + timedelta(d)).weekday() < 5])
    request(steady, 41, "50000")
    cases.append(Case("payment-over-logs", "按日志请款项目", False))

    # 突击完工: 100,000 元 needs five worked days at least; two were logged.
    rushed = site("速成完工项目", [0, 1])
    complete(rushed, 3)
    cases.append(Case("completion-few-days", "速成完工项目", True))
    sound = site("足日完工项目", [0, 1, 2, 3, 4, 7, 8, 9])
    complete(sound, 10)
    cases.append(Case("completion-few-days", "足日完工项目", False))
    return cases


@dataclass(frozen=True)
class Figures:
    rule: str
    planted: int
    found: int
    lookalikes: int
    flagged: int

    @property
    def recall(self) -> float:
        return self.found / self.planted if self.planted else 1.0

    @property
    def false_flags(self) -> float:
        return self.flagged / self.lookalikes if self.lookalikes else 0.0


def evaluate(cases: list[Case]) -> list[Figures]:
    """Per rule: how many planted cases its list names, and how many look-alikes."""
    figures = []
    projects = Project.objects.all()
    for rule in sorted({c.rule for c in cases}):
        text = [" ".join(map(str, r.cells)) + " " + r.why for r in KINDS[rule].rows(projects)]
        mine = [c for c in cases if c.rule == rule]
        named = [c for c in mine if any(c.mark in t for t in text)]
        figures.append(
            Figures(
                rule,
                planted=sum(c.planted for c in mine),
                found=sum(c.planted for c in named),
                lookalikes=sum(not c.planted for c in mine),
                flagged=sum(not c.planted for c in named),
            )
        )
    return figures
