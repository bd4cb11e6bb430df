"""守信红名单: decided by rule from two final quarters at the top, with look-alikes that are not
listed (one quarter only, a failed check, a provisional quarter), ended by a deduction, a false
report or its end date, shown on the pages and in the API with the same reasons, first (and
marked) in the selection lists, and a shorter payment review for listed contractors only."""

from datetime import date

from django.urls import reverse

from accounts.models import Organisation
from approvals.selectors import eligible_contractors
from core.models import AuditEvent
from inspections.services import progress_report
from projects.funds import PAYMENT_REVIEW_DAYS, payment_review_limit
from projects.services import payment_request

from ..choices import RedListEnd
from ..credit import credit_nightly, false_report_confirm
from ..events import PerformanceEvents
from ..models import PerformancePolicy, RedListing
from ..scoring import performance_score_quarter
from ..selectors import ranking
from .builders import at, checks, contractor_user, under_way


def _quarters(d, *, q2_failed=(), q3_failed=()):
    """Each contractor one project per quarter with five spot checks; the ones named fail one.
    Scored after each quarter's end (final)."""
    for day, failed in ((date(2026, 5, 12), q2_failed), (date(2026, 8, 10), q3_failed)):
        with at(day):
            for company in (d.builder, d.builder_b, d.builder_c):
                project = under_way(d, company)
                checks(d, project, [company not in failed, True, True, True, True])
    with at(date(2026, 7, 2)):
        performance_score_quarter(quarter="2026Q2")
    with at(date(2026, 10, 2)):
        return performance_score_quarter(quarter="2026Q3")


def _listed() -> set[int]:
    return set(
        RedListing.objects.filter(ended_at__isnull=True).values_list("organisation_id", flat=True)
    )


def test_top_two_quarters_running_lists_with_reasons_period_and_one_event_each(district):
    d = district
    # given 兴莆 and 壶兰 at the top (100) of both quarters, 宏达 failing a check in each
    period = _quarters(d, q2_failed=[d.builder], q3_failed=[d.builder])
    # then the two are listed from the day after the quarter for the policy's 12 months
    assert _listed() == {d.builder_b.pk, d.builder_c.pk}
    listing = RedListing.objects.get(organisation=d.builder_b)
    assert (listing.starts_on, listing.ends_on, listing.review_days) == (
        date(2026, 10, 1),
        date(2027, 9, 30),
        3,
    )
    assert "2026Q2 第 1/3 名（100.00 分）" in listing.reason and "2026Q3" in listing.reason
    assert [q["quarter"] for q in listing.facts["quarters"]] == ["2026Q2", "2026Q3"]
    d.builder_b.refresh_from_db()
    assert d.builder_b.red_listed_until == date(2027, 9, 30)
    assert d.builder_b.red_list_review_days == 3
    events = AuditEvent.objects.filter(verb=PerformanceEvents.RED_LISTED)
    assert sorted(int(e.object_id) for e in events) == sorted([d.builder_b.pk, d.builder_c.pk])
    row = next(r for r in ranking(period) if r["company_id"] == d.builder_b.pk)
    assert row["flags"]["red_listed"]
    # a re-run lists nobody twice
    with at(date(2026, 10, 3)):
        performance_score_quarter(quarter="2026Q3")
    assert RedListing.objects.count() == 2
    assert AuditEvent.objects.filter(verb=PerformanceEvents.RED_LISTED).count() == 2


def test_one_quarter_at_the_top_or_a_failed_check_is_not_listed(district):
    d = district
    # 兴莆 fails a check in Q2 only (top in Q3 alone); 壶兰 fails one in Q3 only
    _quarters(d, q2_failed=[d.builder_b], q3_failed=[d.builder_c])
    # 宏达 is at the top both times now: listed; the two look-alikes are not
    assert _listed() == {d.builder.pk}


def test_the_policy_decides_the_share_and_the_score(district):
    d = district
    PerformancePolicy.objects.create(effective_from=date(2026, 1, 1), red_list_min_score=101)
    _quarters(d, q2_failed=[d.builder], q3_failed=[d.builder])
    assert _listed() == set()


def test_a_provisional_quarter_lists_nobody_until_it_is_final(district):
    d = district
    for day in (date(2026, 5, 12), date(2026, 8, 10)):
        with at(day):
            for company in (d.builder, d.builder_b, d.builder_c):
                checks(d, under_way(d, company), [company != d.builder, True, True, True, True])
    with at(date(2026, 7, 2)):
        performance_score_quarter(quarter="2026Q2")
    with at(date(2026, 9, 20)):
        period = performance_score_quarter(quarter="2026Q3")
    assert period.final is False and not RedListing.objects.exists()
    with at(date(2026, 10, 1)):
        performance_score_quarter(quarter="2026Q3")
    assert _listed() == {d.builder_b.pk, d.builder_c.pk}


def test_a_deduction_removes_the_listing_with_its_event(district):
    d = district
    _quarters(d, q2_failed=[d.builder], q3_failed=[d.builder])
    # when 壶兰 fails a spot check in October and the nightly job records the deduction
    with at(date(2026, 10, 20)):
        checks(d, under_way(d, d.builder_c), [False])
    credit_nightly(today=date(2026, 10, 21))
    # then its listing ends, naming the deduction; 兴莆 stays listed
    listing = RedListing.objects.get(organisation=d.builder_c)
    assert listing.ended_because == RedListEnd.DEDUCTION and "质量抽检不合格" in listing.end_note
    assert _listed() == {d.builder_b.pk}
    d.builder_c.refresh_from_db()
    assert d.builder_c.red_listed_until is None and not d.builder_c.is_red_listed
    event = AuditEvent.objects.get(verb=PerformanceEvents.RED_LIST_REMOVED)
    assert event.object_id == str(d.builder_c.pk) and event.after["because"] == "deduction"
    # a second run the same day ends nothing more
    credit_nightly(today=date(2026, 10, 21))
    assert AuditEvent.objects.filter(verb=PerformanceEvents.RED_LIST_REMOVED).count() == 1


def test_a_false_report_ends_the_listing_within_its_one_event(district):
    d = district
    _quarters(d, q2_failed=[d.builder], q3_failed=[d.builder])
    before = AuditEvent.objects.count()
    false_report_confirm(
        actor=d.discipline, organisation_id=d.builder_b.pk, description="虚报", evidence="审计3号"
    )
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("id")
    assert event.verb == PerformanceEvents.BLACKLISTED
    listing = RedListing.objects.get(organisation=d.builder_b)
    assert event.after["red_list_ended"] == [listing.pk]
    assert listing.ended_because == RedListEnd.DEDUCTION


def test_the_listing_expires_at_its_end(district):
    d = district
    _quarters(d, q2_failed=[d.builder], q3_failed=[d.builder])
    credit_nightly(today=date(2027, 9, 30))
    assert _listed() == {d.builder_b.pk, d.builder_c.pk}
    credit_nightly(today=date(2027, 10, 1))
    assert _listed() == set()
    assert AuditEvent.objects.filter(verb=PerformanceEvents.RED_LIST_EXPIRED).count() == 2
    assert set(RedListing.objects.values_list("ended_because", flat=True)) == {RedListEnd.EXPIRED}


def test_page_and_api_give_the_same_red_list_reason_and_the_record(client, district):
    d = district
    _quarters(d, q2_failed=[d.builder], q3_failed=[d.builder])
    client.force_login(d.finance)
    api = client.get(reverse("api-performance-credit-company", args=[d.builder_b.pk])).json()
    codes = [(r["code"], r["text"]) for r in api["reasons"]]
    assert codes == [("red_listed", "守信红名单至 2027-09-30")]
    page = client.get(reverse("performance:credit_company", args=[d.builder_b.pk]))
    html = page.content.decode()
    assert "守信红名单至 2027-09-30" in html and 'data-testid="red-list-mark"' in html
    assert 'data-testid="red-listing"' in html and "列入守信红名单" in html  # the record
    listed = next(
        r
        for r in client.get(reverse("api-performance-credit")).json()
        if r["company_id"] == d.builder_b.pk
    )
    assert [r["text"] for r in listed["reasons"]] == ["守信红名单至 2027-09-30"]
    # the company not listed shows no mark
    html = client.get(reverse("performance:credit_company", args=[d.builder.pk])).content.decode()
    assert 'data-testid="red-list-mark"' not in html


def test_selection_lists_put_listed_contractors_first_and_the_review_limit_is_shorter(district):
    d = district
    _quarters(d, q2_failed=[d.builder], q3_failed=[d.builder])
    names = [o.pk for o in eligible_contractors()]
    listed = {d.builder_b.pk, d.builder_c.pk}
    assert set(names[:2]) == listed and d.builder.pk in names[2:]
    day = date(2026, 11, 2)
    for company in Organisation.objects.filter(pk__in=[d.builder.pk, *listed]):
        days, shortened = payment_review_limit(company, day)
        if company.pk in listed:
            assert (days, shortened) == (3, True)
        else:
            assert (days, shortened) == (PAYMENT_REVIEW_DAYS, False)
    # after the listing's end the normal limit applies again
    assert payment_review_limit(d.builder_b, date(2027, 10, 1)) == (PAYMENT_REVIEW_DAYS, False)


def test_the_payment_queue_shows_the_shorter_limit_for_a_listed_payee_only(client, district):
    d = district
    _quarters(d, q2_failed=[d.builder], q3_failed=[d.builder])
    for company in (d.builder, d.builder_b):
        project = under_way(d, company)
        user = contractor_user(company)
        progress_report(actor=user, project_id=project.pk, percent="80", text="主体完成")
        payment_request(actor=user, project_id=project.pk, stage="progress", amount="5000")
    client.force_login(d.finance)
    html = client.get(reverse("projects:payment_queue")).content.decode()
    assert html.count('data-testid="review-row"') == 2
    assert html.count('data-testid="red-list-mark"') == 1
    assert "（3 个工作日）" in html and "（5 个工作日）" in html


def test_the_demo_district_shows_a_red_listed_contractor(db):
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    listed = RedListing.objects.filter(ended_at__isnull=True).select_related("organisation")
    assert [r.organisation.kind for r in listed] == ["contractor"]
    assert listed[0].organisation.is_red_listed


def test_a_request_past_its_review_limit_is_warned_sooner_for_a_listed_payee(district):
    """The shorter limit is more than a figure on the queue: a request not reviewed within it is
    warned to finance and to the contractor that asked (yellow on its last day, red after)."""
    import time_machine
    from django.utils import timezone

    from core.dates import add_working_days

    from ..alerts import warnings_refresh
    from ..choices import WarningKind
    from ..models import Warning

    d = district
    _quarters(d, q2_failed=[d.builder], q3_failed=[d.builder])
    asked = {}
    for company in (d.builder, d.builder_b):  # builder_b is on the red list (3 days), builder not
        project = under_way(d, company)
        user = contractor_user(company)
        progress_report(actor=user, project_id=project.pk, percent="80", text="主体完成")
        asked[company.pk] = (
            payment_request(actor=user, project_id=project.pk, stage="progress", amount="5000"),
            user,
        )
    today = timezone.localdate()

    def warned() -> dict[int | None, str]:
        return {
            w.project_id: w.level
            for w in Warning.objects.filter(
                kind=WarningKind.REVIEW_OVERDUE,
                resolved_at__isnull=True,
                cause_key__startswith="payment_review:",
            )
        }

    listed_project = asked[d.builder_b.pk][0].project_id
    other_project = asked[d.builder.pk][0].project_id
    with time_machine.travel(add_working_days(today, 4)):
        warnings_refresh()
        assert warned() == {listed_project: "red"}
        notice = Warning.objects.get(project_id=listed_project, kind=WarningKind.REVIEW_OVERDUE)
        assert notice.recipients.filter(user=d.finance).exists()
        assert notice.recipients.filter(user=asked[d.builder_b.pk][1]).exists()
    with time_machine.travel(add_working_days(today, 5)):
        warnings_refresh()
        assert warned() == {listed_project: "red", other_project: "yellow"}
