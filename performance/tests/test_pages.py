"""Pages and API: what each user sees, who is refused, and query counts that do not grow with
the number of rows."""

import subprocess
from datetime import date

import pytest
from django.urls import reverse

from ..alerts import warnings_refresh
from ..credit import credit_nightly, false_report_confirm
from ..risk import risk_recompute
from ..scoring import performance_score_quarter
from .builders import at, checks, contractor_user, under_way
from .test_scoring import two_bottom_quarters, worked_example


@pytest.fixture
def scored(district):
    worked_example(district)
    return performance_score_quarter(quarter="2026Q3")


def _more_companies(d, n=3):
    """More rows of every kind, to show the counts stay flat."""
    from accounts.choices import OrganisationKind
    from accounts.tests.factories import OrganisationFactory

    with at(date(2026, 8, 11)):
        for i in range(n):
            company = OrganisationFactory(name=f"新增施工{i}", kind=OrganisationKind.CONTRACTOR)
            for position in ("project_manager", "safety_officer", "quality_inspector"):
                from accounts.models import CompanyStaff

                d.staff[(company.name, position)] = CompanyStaff.objects.create(
                    organisation=company, position=position, name=f"{i}{position}"
                )
            checks(d, under_way(d, company), [True, False])
    performance_score_quarter(quarter="2026Q3")


def test_ranking_page_and_api_show_rates_rank_and_flags(
    client, district, scored, django_assert_num_queries
):
    client.force_login(district.street_zhenhai)
    url = reverse("performance:ranking") + "?quarter=2026Q3&kind=contractor"
    with django_assert_num_queries(10):  # 5 are the session and the user; 1 the red list
        page = client.get(url).content.decode()
    assert page.count('data-testid="score-row"') == 3
    assert "88.50" in page and "不排名" in page and "末位" in page
    api = reverse("api-performance-scores") + "?quarter=2026Q3"
    with django_assert_num_queries(9):
        body = client.get(api).json()
    row = next(r for r in body["results"] if r["company"] == "壶兰园林")
    assert (row["kind"], row["rank"], row["score"], row["funds_rate"]) == (
        "contractor",
        "not ranked",
        "80.00",
        None,
    )
    assert next(r for r in body["results"] if r["company"] == "宏达建设")["flags"] == {
        "bottom": True,
        "suspended": False,
        "red_listed": False,
        "not_ranked": False,
    }
    _more_companies(district)
    with django_assert_num_queries(10):
        assert client.get(url).content.decode().count('data-testid="score-row"') == 6
    with django_assert_num_queries(9):
        assert len(client.get(api).json()["results"]) == 9
    assert client.get(reverse("api-performance-scores")).status_code == 400
    assert client.get(reverse("api-performance-scores") + "?quarter=2019Q1").status_code == 404


def test_company_page_explains_the_score_figure_by_figure(
    client, district, scored, django_assert_num_queries
):
    client.force_login(district.discipline)
    url = reverse("performance:company", args=["2026Q3", district.builder_b.pk])
    with django_assert_num_queries(13):  # + the projects due in the quarter
        page = client.get(url).content.decode()
    assert "(40 × 98.75 + 40 × 97.50 + 20 × 50.00) ÷ 100 = 88.50" in " ".join(page.split())
    assert page.count('data-testid="evidence-check"') == 3
    assert page.count('data-testid="evidence-lab"') == 1
    assert page.count('data-testid="evidence-payment"') == 2
    assert "农民工工资专户" in page  # the override behind the non-compliant payment
    assert (
        reverse(
            "projects:detail",
            args=[
                scored.scores.filter(organisation=district.builder_b)
                .get()
                .organisation.projects_won.first()
                .pk
            ],
        )
        in page
    )
    c_page = client.get(reverse("performance:company", args=["2026Q3", district.builder_c.pk]))
    assert "样本不足" in c_page.content.decode()
    assert "÷ 80 = 80.00" in " ".join(c_page.content.decode().split())


def test_report_pdf_embeds_a_cjk_font_and_excel_has_the_ranking(client, district, scored, tmp_path):
    client.force_login(district.street_zhenhai)
    response = client.get(reverse("performance:report_pdf", args=["2026Q3"]))
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "零星工程参建单位绩效考核报告" in text and "兴莆市政" in text and "88.50" in text
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert "Noto-Sans-CJK-SC" in fonts  # embedded, not just named
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(
        BytesIO(client.get(reverse("performance:report_xlsx", args=["2026Q3"])).content)
    )
    rows = [[c.value for c in row] for row in book["施工单位"].iter_rows(min_row=3)]
    assert [r[1] for r in rows] == ["兴莆市政", "宏达建设", "壶兰园林"]
    assert rows[0][8] == 88.5 and rows[2][0] == "不排名"


def test_credit_pages_false_report_and_appeal(client, district, django_assert_num_queries):
    d = district
    two_bottom_quarters(d)
    credit_nightly(today=date(2027, 1, 4))
    client.force_login(d.discipline)
    with django_assert_num_queries(17):  # … and the companies on the red list
        page = client.get(reverse("performance:credit")).content.decode()
    # five companies and the two street offices (建设单位)
    assert page.count('data-testid="credit-row"') == 7 and "暂停资格" in page
    response = client.post(
        reverse("performance:false_report"),
        {"organisation": d.builder_c.pk, "description": "虚报工程量", "evidence": "审计报告第3号"},
    )
    assert response.status_code == 302
    d.builder_c.refresh_from_db()
    assert d.builder_c.credit_status == "blacklisted"
    with django_assert_num_queries(17):  # … and the companies on the red list
        assert (
            client.get(reverse("performance:credit"))
            .content.decode()
            .count('data-testid="credit-row"')
            == 7
        )
    # The company itself appeals on its page; another company cannot read it.
    staff = contractor_user(d.builder)
    client.force_login(staff)
    page_url = reverse("performance:credit_company", args=[d.builder.pk])
    # … and the company's demonstration projects, red listings and credit record, and the red list
    with django_assert_num_queries(21):
        page = client.get(page_url).content.decode()
    assert "提交申诉" in page
    from ..models import Suspension

    suspension = Suspension.objects.get()
    client.post(reverse("performance:appeal", args=[suspension.pk]), {"text": "已整改"})
    suspension.refresh_from_db()
    assert suspension.status == "appealed"
    client.force_login(contractor_user(d.builder_b))
    assert client.get(page_url).status_code == 403
    assert client.get(reverse("performance:credit")).status_code == 403
    client.force_login(d.dept)
    assert "维持暂停" in client.get(page_url).content.decode()
    client.post(
        reverse("performance:decide", args=[suspension.pk]),
        {"decision": "uphold", "note": "排名属实"},
    )
    suspension.refresh_from_db()
    assert suspension.status == "upheld"
    api = client.get(reverse("api-performance-credit")).json()
    assert {r["company"]: r["credit_status"] for r in api}["壶兰园林"] == "blacklisted"


def test_notification_centre_bell_and_mark_read(client, district, django_assert_num_queries):
    d = district
    with at(date(2026, 8, 3)):
        for _ in range(2):
            checks(d, under_way(d, d.builder), [False])
    warnings_refresh(today=date(2026, 8, 30))
    client.force_login(d.contractor)
    with django_assert_num_queries(6):
        bell = client.get(reverse("performance:warning_bell")).content.decode()
    assert 'data-testid="warning-unread">2<' in bell
    with django_assert_num_queries(6):
        page = client.get(reverse("performance:warnings")).content.decode()
    assert page.count('data-testid="warning"') == 2 and "红色预警" in page
    home = client.get(reverse("home")).content.decode()
    assert reverse("performance:warning_bell") in home  # the header loads the count
    client.post(reverse("performance:warnings_read"))
    assert "warning-unread" not in client.get(reverse("performance:warning_bell")).content.decode()
    body = client.get(reverse("api-performance-warnings")).json()
    assert body["unread"] == 0 and len(body["results"]) == 2
    client.force_login(d.builder_b.users.first() or contractor_user(d.builder_b))
    assert client.get(reverse("api-performance-warnings")).json()["results"] == []


def test_risk_page_lists_reasons_for_reviewers_only(client, district, django_assert_num_queries):
    d = district
    with at(date(2026, 8, 3)):
        checks(d, under_way(d, d.builder), [False])
        under_way(d, d.builder_b)
    false_report_confirm(
        actor=d.dept, organisation_id=d.builder.pk, description="虚报", evidence="通报"
    )
    risk_recompute()
    client.force_login(d.discipline)
    with django_assert_num_queries(6):
        page = client.get(reverse("performance:risk")).content.decode()
    assert page.count('data-testid="risk-row"') == 1 and "黑名单" in page
    client.force_login(d.contractor)
    assert client.get(reverse("performance:risk")).status_code == 403
