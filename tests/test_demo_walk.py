"""The demo district as its users meet it: every account opens its start page, every entry of
its menu and every project page, and nothing answers with a server error."""

import re

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from projects.models import Project

pytestmark = pytest.mark.django_db

# The bar's links and those under its "更多" (and the account menu's).
MENU_LINK = re.compile(r'<a class="(?:nav-link|dropdown-item)[^"]*" href="([^"]+)"')


@pytest.fixture
def demo_district():
    call_command("seed_demo", verbosity=0)


def _menu(html: str) -> list[str]:
    return [url for url in MENU_LINK.findall(html) if url.startswith("/") and "/admin/" not in url]


def test_every_demo_account_walks_its_menu_and_every_project_page_without_an_error(
    demo_district,
):
    projects = list(Project.objects.order_by("pk").values_list("pk", flat=True))
    accounts = list(User.objects.filter(is_active=True).order_by("username"))
    assert len(accounts) >= 18 and len(projects) >= 30
    seen_menus = 0
    for user in accounts:
        client = Client()
        client.force_login(user)
        home = client.get("/", follow=True)  # a 村民监督员 is sent on to their village's page
        assert home.status_code == 200, user.username
        menu = _menu(home.content.decode())
        assert menu, f"{user.username} has no menu"
        seen_menus += len(menu)
        for url in menu:
            answer = client.get(url)
            assert answer.status_code == 200, (user.username, url, answer.status_code)
        for pk in projects:
            answer = client.get(f"/projects/{pk}/")
            # Another organisation's project is refused (403/404), never a server error.
            assert answer.status_code in (200, 403, 404), (user.username, pk, answer.status_code)
    assert seen_menus > 100
