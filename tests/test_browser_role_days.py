"""Each role's day in a real browser on the demo district (#16, "done when"): every demo account
logs in, opens its start page, every entry of its menu and the first projects it can see —
desktop at 1366×768 and, for the people who work on a phone (site staff, residents), at 390×844
— and no response is a server error and nothing is written to the browser console as an error
(a blocked script, a refused style, a missing file, an exception in our JavaScript)."""

import re

import pytest
from django.core.management import call_command

from accounts.choices import Role
from accounts.models import User
from projects.models import Project
from projects.tests.factories import ensure_default_start_policy, ensure_default_tier_policy
from tests.browser import PHONE, chromium, user_page

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DESKTOP = {"viewport": {"width": 1366, "height": 768}}
DEMO_PASSWORD = "licheng-demo-2025"
# The bar's links and those under its "更多" (and the account menu's), as tests/test_demo_walk.py.
MENU_LINK = re.compile(r'<a class="(?:nav-link|dropdown-item)[^"]*" href="([^"]+)"')
PROJECT_LINK = re.compile(r'href="(/projects/\d+/)"')
ON_A_PHONE = {Role.CONTRACTOR, Role.SUPERVISOR}


class Watch:
    """What went wrong on a page: server errors and console errors, with the page they came on."""

    def __init__(self, page):
        self.problems: list[str] = []
        self.url = ""
        page.on("response", self._response)
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"{self.url}: exception {exc}"))

    def _response(self, response) -> None:
        if response.status >= 500:
            self.problems.append(f"{self.url}: {response.status} {response.url}")

    def _console(self, message) -> None:
        if message.type == "error":
            self.problems.append(f"{self.url}: console {message.text}")


def _walk(page, watch: Watch, base: str, username: str) -> int:
    """The start page, the menu, up to three projects; returns how many pages were opened."""
    opened = 0

    def visit(url: str) -> str:
        nonlocal opened
        watch.url = f"{username} {url}"
        response = page.goto(f"{base}{url}")
        page.wait_for_load_state("networkidle")
        assert response is not None and response.status == 200, (username, url, response)
        opened += 1
        return page.content()

    home = visit("/")
    menu = [u for u in MENU_LINK.findall(home) if u.startswith("/") and "/admin/" not in u]
    menu = [u for u in dict.fromkeys(menu) if not u.startswith(("/logout", "/accounts/logout"))]
    assert menu, f"{username} has no menu"
    projects: list[str] = []
    for url in menu:
        html = visit(url)
        projects += PROJECT_LINK.findall(html)
    for url in list(dict.fromkeys(projects))[:3]:
        visit(url)
    return opened


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_every_roles_day_from_its_start_page_without_a_server_or_console_error(live_server, device):
    # the policies the migrations write, gone when an earlier transactional test emptied the
    # tables (as the `district` fixture does)
    ensure_default_tier_policy()
    ensure_default_start_policy()
    call_command("seed_demo", verbosity=0)
    base = live_server.url
    users = User.objects.filter(is_active=True, is_superuser=False).order_by("role", "username")
    # one account of each role (the first of its kind), the site's people also on the phone
    chosen = list({user.role: user for user in reversed(list(users))}.values())
    if device == "phone":
        chosen = [user for user in chosen if user.role in ON_A_PHONE]
    assert len(chosen) >= (2 if device == "phone" else 8)
    options = PHONE if device == "phone" else DESKTOP
    problems: list[str] = []
    opened = 0
    with chromium() as browser:
        for user in chosen:
            page = user_page(browser, base, user.username, DEMO_PASSWORD, **options)
            watch = Watch(page)
            opened += _walk(page, watch, base, user.username)
            problems += watch.problems
            page.context.close()
        # a resident on the phone: the public page of a finished work, from its QR code
        project = Project.objects.filter(status="completed").order_by("pk").first()
        assert project is not None, "the demo district has finished works to rate"
        context = browser.new_context(locale="zh-CN", **options)
        page = context.new_page()
        watch = Watch(page)
        watch.url = "resident"
        response = page.goto(f"{base}/p/{project.public_token}/")
        page.wait_for_load_state("networkidle")
        assert response is not None and response.status == 200
        opened += 1
        problems += watch.problems
    assert problems == [], "\n".join(problems)
    assert opened >= (10 if device == "phone" else 60)
