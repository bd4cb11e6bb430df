"""Playwright driving Debian's Chromium (no browser download), shared by browser tests."""

import os
from contextlib import contextmanager
from pathlib import Path

# Playwright runs an event loop in the test thread; the tests also touch the database.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}


@contextmanager
def chromium_page(**context_options):
    from playwright.sync_api import sync_playwright

    from conftest import CHROMIUM

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="zh-CN", **context_options)
            page = context.new_page()
            page.set_default_timeout(15000)
            try:
                yield page
            except Exception:
                # Keep what the browser showed when the test failed.
                screenshot(page, "failure")
                raise
        finally:
            browser.close()


def log_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=current-user]", state="attached")


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@contextmanager
def chromium():
    """One browser; each user gets a context of their own (`user_page`)."""
    from playwright.sync_api import sync_playwright

    from conftest import CHROMIUM

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pages = []
        browser.opened_pages = pages
        try:
            yield browser
        except Exception:
            for n, page in enumerate(pages):
                screenshot(page, f"failure-{n}")
            raise
        finally:
            browser.close()


def user_page(browser, base_url: str, username: str, password: str, **context_options):
    context = browser.new_context(locale="zh-CN", **context_options)
    page = context.new_page()
    page.set_default_timeout(15000)
    browser.opened_pages.append(page)
    log_in(page, base_url, username, password)
    return page


def click_and_wait(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def flash(page) -> str:
    return page.inner_text(".alert") if page.query_selector(".alert") else ""
