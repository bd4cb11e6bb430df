"""The navigation bar keeps to one row: at most seven entries stand in it, the rest under 更多
(issue #16: fifteen entries for a discipline officer wrapped into one-character columns)."""

import pytest
from django.urls import reverse

from dashboards.navigation import TOP_ENTRIES

pytestmark = pytest.mark.django_db


def test_a_long_menu_puts_the_rest_under_more_and_marks_it_when_one_of_them_is_open(
    client, district
):
    client.force_login(district.discipline)
    page = client.get(reverse("home"))
    top, more = page.context["nav_items"], page.context["nav_more"]
    assert len(top) == TOP_ENTRIES - 1 and len(top) + len(more) >= 12
    html = page.content.decode()
    assert 'data-testid="nav-more"' in html
    assert "纪检看板" in [str(item["label"]) for item in top]  # the officer's own desk stands
    assert "绩效排名" in [str(item["label"]) for item in more]  # one click under 更多
    opened = client.get(reverse("performance:ranking"))
    assert opened.context["nav_more_active"] is True


def test_a_short_menu_stays_as_it_is(client, district):
    client.force_login(district.contractor)
    page = client.get(reverse("home"))
    assert page.context["nav_more"] == [] and len(page.context["nav_items"]) <= TOP_ENTRIES
    assert 'data-testid="nav-more"' not in page.content.decode()
