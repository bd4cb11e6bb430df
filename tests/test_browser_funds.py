"""Funds in a real browser: a progress payment requested, approved and paid; a second one
beyond the progress limit refused with the rule named."""

import pytest

from accounts.tests.factories import PASSWORD
from projects.choices import PaymentStatus
from projects.models import Payment
from tests.browser import chromium, click_and_wait, screenshot, user_page
from tests.funds_helpers import under_way

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_progress_payment_requested_approved_paid_and_a_second_refused(live_server, district):
    base = live_server.url
    project, contractor = under_way(district, progress=None)
    with chromium() as browser:
        builder = user_page(browser, base, contractor.username, PASSWORD)
        builder.goto(f"{base}/projects/{project.pk}/")
        builder.fill("#progress_percent", "40")
        builder.fill("#progress_text", "路基和排水管铺设完成")
        click_and_wait(builder, "[data-action=progress]")
        assert "40%" in builder.inner_text("[data-testid=progress]")

        builder.fill("#pay_amount", "30000")
        click_and_wait(builder, "[data-action=payment-request]")
        assert "请款申请已提交" in builder.inner_text(".alert-success")

        finance = user_page(browser, base, "finance", PASSWORD)
        finance.goto(f"{base}/projects/payments/queue/")
        finance.click(f"[data-testid=to-review] >> text={project.code}")
        finance.wait_for_selector("[data-action=payment-approve]")
        click_and_wait(finance, "[data-action=payment-approve]")
        finance.fill("[data-testid=paid-on]", "2027-02-01")
        finance.fill("[name=voucher_no]", "记-2027-0015")
        click_and_wait(finance, "[data-action=payment-paid]")
        payment = Payment.objects.get()
        assert (payment.status, payment.voucher_no) == (PaymentStatus.PAID, "记-2027-0015")
        assert finance.inner_text("[data-testid=paid]") == "30,000.00"
        screenshot(finance, "funds-paid")

        # 30,000 paid + 10,000.01 > 40% of 100,000: refused, the rule and the excess named.
        builder.goto(f"{base}/projects/{project.pk}/")
        builder.fill("#pay_amount", "10000.01")
        click_and_wait(builder, "[data-action=payment-request]")
        message = builder.inner_text(".alert-danger")
        assert "已完工程量价值" in message and "超出 0.01 元" in message
        assert Payment.objects.count() == 1
        screenshot(builder, "funds-refused")
