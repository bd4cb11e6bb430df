"""The project pages: filing in the browser's terms, errors in Chinese, access, query counts."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import AuditEvent
from projects.choices import ProjectStatus
from projects.models import Project
from projects.tests.factories import make_project, project_form_data

pytestmark = pytest.mark.django_db


def test_filing_a_project_in_the_browser_shows_its_tier(client, district):
    client.force_login(district.street_zhenhai)
    pdf = SimpleUploadedFile("申报书.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    response = client.post(
        reverse("projects:create"), {**project_form_data(), "attachments": [pdf]}, follow=True
    )
    project = Project.objects.get()
    assert response.redirect_chain[-1][0] == reverse("projects:detail", args=[project.pk])
    html = response.content.decode()
    assert "简易类" in html
    assert "申报书.pdf" in html
    assert project.budget_amount == Decimal("38000.00")


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0", "金额必须大于零"),
        ("-100", "金额必须大于零"),
        ("三万", "金额必须是数字"),
        ("1e12", "金额过大"),
        ("12.345", "最多保留两位小数"),
        ("", "该字段是必填项"),
    ],
)
def test_bad_amounts_are_refused_in_chinese_and_nothing_is_saved(client, district, amount, words):
    client.force_login(district.street_zhenhai)
    response = client.post(reverse("projects:create"), project_form_data(budget_amount=amount))
    assert response.status_code == 200
    html = response.content.decode()
    assert words in html
    assert "未保存任何内容" in html
    assert Project.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_english_is_available(client, district):
    client.force_login(district.street_zhenhai)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("projects:create")).content.decode()
    assert 'lang="en"' in html
    assert "Budget amount" in html


def test_tier_preview_shows_the_tier_while_typing(client, district):
    client.force_login(district.street_zhenhai)
    url = reverse("projects:tier_preview")
    assert "简易类" in client.get(url, {"budget_amount": "49999.99"}).content.decode()
    assert "一般类" in client.get(url, {"budget_amount": "50000"}).content.decode()
    assert "重大类" in client.get(url, {"budget_amount": "500000.00"}).content.decode()
    assert "金额必须大于零" in client.get(url, {"budget_amount": "0"}).content.decode()


def test_other_streets_projects_are_404_on_every_page(client, district):
    theirs = make_project(district.street_gongchen, name="拱辰的秘密项目")
    client.force_login(district.street_zhenhai)
    for name in ("projects:detail", "projects:edit"):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
    response = client.post(
        reverse("approvals:transition", args=[theirs.pk, "cancel"]), {"confirm": "1"}
    )
    theirs.refresh_from_db()
    assert theirs.status == ProjectStatus.DRAFT
    assert response.status_code in (302, 404)
    assert "拱辰的秘密项目" not in client.get(reverse("projects:list")).content.decode()
    assert "拱辰的秘密项目" not in client.get(reverse("home")).content.decode()


def test_attachments_are_served_only_to_those_who_see_the_project(client, district):
    pdf = SimpleUploadedFile("预算.pdf", b"%PDF-1.4\nsecret\n")
    from projects.services import project_create
    from projects.tests.factories import project_data

    project = project_create(actor=district.street_gongchen, data=project_data(), attachments=[pdf])
    attachment = project.attachments.get()
    client.force_login(district.street_zhenhai)
    assert client.get(reverse("projects:attachment", args=[attachment.pk])).status_code == 404
    client.force_login(district.street_gongchen)
    response = client.get(reverse("projects:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4\nsecret\n"


def test_transition_buttons_show_only_what_the_user_may_do(client, district):
    simple = make_project(district.street_zhenhai, budget_amount=Decimal("38000"))
    client.force_login(district.street_zhenhai)
    html = client.get(reverse("projects:detail", args=[simple.pk])).content.decode()
    assert 'data-transition="file"' in html
    assert 'data-transition="submit"' not in html
    client.force_login(district.discipline)
    html = client.get(reverse("projects:detail", args=[simple.pk])).content.decode()
    assert "data-transition" not in html


def test_filing_through_the_button_records_the_comment(client, district):
    simple = make_project(district.street_zhenhai, budget_amount=Decimal("38000"))
    client.force_login(district.street_zhenhai)
    response = client.post(
        reverse("approvals:transition", args=[simple.pk, "file"]),
        {"comment": "已核实"},
        follow=True,
    )
    simple.refresh_from_db()
    assert simple.status == ProjectStatus.APPROVED
    html = response.content.decode()
    assert "已核实" in html and "街道备案" in html


def test_a_refused_transition_is_explained(client, district):
    general = make_project(district.street_zhenhai, budget_amount=Decimal("120000"))
    client.force_login(district.street_zhenhai)
    response = client.post(reverse("approvals:transition", args=[general.pk, "file"]), follow=True)
    assert "只有简易类项目可由街道直接备案" in response.content.decode()


def test_only_street_staff_see_the_filing_form(client, district):
    client.force_login(district.dept)
    assert client.get(reverse("projects:create")).status_code == 403


@pytest.mark.parametrize("rows", [1, 15])
def test_list_page_query_count_is_flat(client, district, django_assert_num_queries, rows):
    for _ in range(rows):
        make_project(district.street_zhenhai)
    client.force_login(district.street_zhenhai)
    # session, user (+organisation), count, page, street options of the filter form, and the
    # session's idle-timeout refresh (savepoint, update, release)
    with django_assert_num_queries(8):
        response = client.get(reverse("projects:list"), {"q": "文献", "tier": "simple"})
    assert response.status_code == 200


@pytest.mark.parametrize("events", [1, 10])
def test_detail_page_query_count_is_flat(client, district, django_assert_num_queries, events):
    project = make_project(district.street_zhenhai)
    from projects.services import project_update

    for i in range(events - 1):
        project_update(
            actor=district.street_zhenhai, project_id=project.pk, data={"name": f"名称{i}"}
        )
    client.force_login(district.street_zhenhai)
    # session, user, project (+street, filer, policy, contract…), flags, attachments,
    # timeline, session refresh
    with django_assert_num_queries(9):
        response = client.get(reverse("projects:detail", args=[project.pk]))
    assert response.content.decode().count('list-group-item">') >= 1


@pytest.mark.parametrize("rows", [1, 10])
def test_home_query_count_is_flat(client, district, django_assert_num_queries, rows):
    for _ in range(rows):
        make_project(district.street_zhenhai)
    client.force_login(district.street_zhenhai)
    # session, user, counts by status, recent projects, projects returned to the filer, the
    # office's open ledger items, session refresh
    with django_assert_num_queries(9):
        assert client.get(reverse("home")).status_code == 200


def test_start_page_counts_live_what_the_user_may_read(client, district):
    # given: two drafts and a submitted project of one street office, a draft of the other
    make_project(district.street_zhenhai)
    make_project(district.street_zhenhai)
    make_project(district.street_zhenhai, budget_amount=Decimal("120000"), transitions=("submit",))
    make_project(district.street_gongchen)
    # then: the office counts its own projects by status, live, with no roll-up note
    client.force_login(district.street_zhenhai)
    page = client.get(reverse("home"))
    assert page.context["counts"] == {"draft": 2, "submitted": 1}
    assert page.context["total"] == 3
    assert 'data-testid="counts-as-of"' not in page.content.decode()
    # and with the roll-ups off the discipline officer counts the district's live too
    client.force_login(district.discipline)
    page = client.get(reverse("home"))
    assert page.context["counts"] == {"draft": 3, "submitted": 1}
    assert 'data-testid="counts-as-of"' not in page.content.decode()


def test_start_page_lists_payments_for_finance_and_ledger_items_for_who_answers(client, district):
    from datetime import timedelta

    from django.utils import timezone

    from inspections.services import item_open
    from projects.services import payment_request
    from tests.funds_helpers import ACCOUNT, under_way

    project, contractor = under_way(district)
    payment_request(
        actor=contractor,
        project_id=project.pk,
        stage="progress",
        amount="1000",
        payee_account=ACCOUNT,
    )
    client.force_login(district.finance)
    page = client.get(reverse("home")).content.decode()
    assert 'data-testid="to-review-count">1<' in page and project.name in page
    item_open(
        actor=district.dept,
        project_id=project.pk,
        source="spot_check",
        problem="井盖沉降未处理",
        responsible_organisation_id=project.contractor_id,
        deadline=timezone.localdate() + timedelta(days=1),
        standard="更换井座",
    )
    client.force_login(contractor)
    page = client.get(reverse("home")).content.decode()
    assert 'data-testid="my-items-count">1<' in page and "井盖沉降未处理" in page
    assert 'data-testid="to-review-count"' not in page  # finance's list is finance's


def test_buttons_read_as_actions_in_english(client, district):
    project = make_project(
        district.street_zhenhai, budget_amount=Decimal("120000"), transitions=("submit",)
    )
    client.force_login(district.dept)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "Pass preliminary review</button>" in html
    assert "Return for revision</button>" in html


def test_ending_a_project_asks_for_confirmation_and_comments_show_only_to_reviewers(
    client, district
):
    draft = make_project(district.street_zhenhai, name="文献路人行道修缮")
    client.force_login(district.street_zhenhai)
    page = client.get(reverse("projects:detail", args=[draft.pk])).content.decode()
    assert 'name="comment"' not in page  # nothing to return or reject on one's own draft
    assert 'name="confirm"' in page and "不可撤回" in page
    # a bare 撤销 is refused with the reason, and the draft stays
    response = client.post(reverse("approvals:transition", args=[draft.pk, "cancel"]), follow=True)
    draft.refresh_from_db()
    assert draft.status == ProjectStatus.DRAFT
    assert "此操作不可撤回" in response.content.decode()
    client.post(reverse("approvals:transition", args=[draft.pk, "cancel"]), {"confirm": "1"})
    draft.refresh_from_db()
    assert draft.status == ProjectStatus.CANCELLED
    # a reviewer who can return or reject gets the comment box
    submitted = make_project(
        district.street_zhenhai, budget_amount="80000", transitions=("submit",)
    )
    client.force_login(district.dept)
    page = client.get(reverse("projects:detail", args=[submitted.pk])).content.decode()
    assert 'name="comment"' in page and 'name="confirm"' in page


def test_a_refused_filing_keeps_the_tier_badge_of_the_amount_typed(client, district):
    from projects.tests.factories import project_form_data

    client.force_login(district.street_zhenhai)
    data = project_form_data(budget_amount="120000")
    data["name"] = ""  # refused: the name is missing
    page = client.post(reverse("projects:create"), data).content.decode()
    assert 'data-testid="tier-preview">一般类<' in page
    data["budget_amount"] = "abc"  # nothing usable typed: no badge, the field's own error
    assert (
        'data-testid="tier-preview"'
        not in client.post(reverse("projects:create"), data).content.decode()
    )


def test_each_file_keeps_the_type_of_the_box_it_was_chosen_in(client, district):
    """#16 point 3: one input per kind of attachment (申报材料, 图纸, 预算书, 其他)."""

    def pdf(name):
        return SimpleUploadedFile(name, b"%PDF-1.4 test", "application/pdf")

    client.force_login(district.street_zhenhai)
    client.post(
        reverse("projects:create"),
        {
            **project_form_data(),
            "attachments": [pdf("申请.pdf")],
            "attachments_drawing": [pdf("平面图.pdf"), pdf("剖面图.pdf")],
            "attachments_budget": [pdf("预算书.pdf")],
        },
    )
    project = Project.objects.get()
    kinds = dict(project.attachments.values_list("original_name", "kind"))
    assert kinds == {
        "申请.pdf": "application",
        "平面图.pdf": "drawing",
        "剖面图.pdf": "drawing",
        "预算书.pdf": "budget",
    }
