"""The error pages a person meets: Chinese by default, English on request, with a way back, and
never Django's English technical pages."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db


def test_another_streets_project_answers_the_chinese_page_with_a_way_back(client, district):
    other = make_project(district.street_gongchen)
    client.force_login(district.street_zhenhai)
    answer = client.get(reverse("projects:detail", args=[other.pk]))
    assert answer.status_code in (403, 404)
    page = answer.content.decode()
    assert "返回工作台" in page and 'href="/"' in page
    assert "Not Found" not in page and "Forbidden" not in page


def test_a_missing_page_reads_in_chinese_and_in_english(client, district):
    client.force_login(district.street_zhenhai)
    chinese = client.get("/projects/999999999/")
    assert chinese.status_code == 404
    assert "页面不存在" in chinese.content.decode()
    english = client.get("/projects/999999999/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 404
    assert "Page not found" in english.content.decode()
    assert 'lang="en"' in english.content.decode()


def test_a_page_refused_to_the_role_reads_in_chinese(client, district):
    client.force_login(district.street_zhenhai)
    answer = client.get(reverse("dashboards:discipline"))
    assert answer.status_code == 403
    assert "无权访问" in answer.content.decode()


def test_the_server_error_page_needs_nothing_but_the_template():
    answer = server_error(RequestFactory().get("/"))
    assert answer.status_code == 500
    page = answer.content.decode()
    assert "系统出错" in page and "返回工作台" in page


def test_the_api_answers_its_json_shape_for_a_missing_address_and_an_unexpected_error(
    client, district, monkeypatch
):
    """A URL under /api/ that does not exist, and an error no handler expected, answer JSON in
    the API's shape, never an HTML page (#16 point 1)."""
    client.force_login(district.street_zhenhai)
    missing = client.get("/api/v1/no-such-thing/")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"
    assert missing.json() == {"message": "接口地址不存在。", "extra": {}}

    from projects.api import views as project_api

    def broken(*args, **kwargs):
        raise RuntimeError("a bug nobody expected")

    monkeypatch.setattr(project_api.ProjectListCreateApi, "get", broken)
    client.raise_request_exception = False
    answer = client.get(reverse("api-projects"))
    assert answer.status_code == 500 and answer["Content-Type"] == "application/json"
    assert answer.json()["message"].startswith("服务器出错")
    # a page for people keeps its page
    page = client.get("/projects/999999999/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")
