"""The project list pages by keyset (core/keyset.py, docs/province.md): every project once,
in order, forward and back, filters kept, no OFFSET; the count stops at its limit."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import keyset
from projects.models import Project
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db


def _codes(html: str) -> list[str]:
    return re.findall(r'<td class="text-nowrap small">([^<]+)</td>', html)


def _link(html: str, testid: str) -> str | None:
    found = re.search(rf'href="(\?[^"]*)" data-testid="{testid}"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_pages_walk_every_project_once_forward_and_back(client, district):
    for n in range(30):
        make_project(district.street_zhenhai, name=f"项目{n}")
    client.force_login(district.street_zhenhai)
    url = reverse("projects:list")
    first = client.get(url, {"category": "road"}).content.decode()
    assert len(_codes(first)) == 25
    assert "共 30 个" in first
    assert _link(first, "page-previous") is None
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url + _link(first, "page-next")).content.decode()
    assert len(_codes(second)) == 5
    assert _link(second, "page-next") is None
    expected = list(Project.objects.order_by("-created_at", "-id").values_list("code", flat=True))
    assert _codes(first) + _codes(second) == expected
    listed = [
        q["sql"] for q in queries if 'FROM "projects_project"' in q["sql"] and "LIMIT" in q["sql"]
    ]
    assert listed and all("OFFSET" not in sql for sql in listed)
    assert any('"projects_project"."created_at" <' in sql for sql in listed)
    assert "category=road" in _link(first, "page-next")
    back = client.get(url + _link(second, "page-previous")).content.decode()
    assert _codes(back) == _codes(first)


def test_the_count_stops_at_its_limit(client, district, monkeypatch):
    monkeypatch.setattr(keyset, "COUNT_LIMIT", 3)
    for n in range(5):
        make_project(district.street_zhenhai, name=f"项目{n}")
    client.force_login(district.street_zhenhai)
    page = client.get(reverse("projects:list")).content.decode()
    assert "超过 3 个" in page
    assert len(_codes(page)) == 5


def test_a_broken_cursor_shows_the_first_page(client, district):
    make_project(district.street_zhenhai)
    client.force_login(district.street_zhenhai)
    page = client.get(reverse("projects:list"), {"cursor": "not-a-cursor", "q": "文献"})
    assert page.status_code == 200
    assert len(_codes(page.content.decode())) == 1
