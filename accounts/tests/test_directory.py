import pytest
from django.urls import reverse

from accounts.choices import CreditStatus
from accounts.models import Organisation

pytestmark = pytest.mark.django_db


def test_directory_shows_companies_staff_and_standing(client, district):
    Organisation.objects.filter(pk=district.builder_c.pk).update(
        credit_status=CreditStatus.BLACKLISTED
    )
    client.force_login(district.dept)
    html = client.get(reverse("accounts:directory"), {"kind": "contractor"}).content.decode()
    assert html.count('data-testid="company"') == 3
    assert district.builder.credit_code in html
    assert "专职安全员" in html and "黑名单" in html
    assert "正诚监理" not in html


def test_companies_do_not_browse_each_other(client, district):
    client.force_login(district.contractor)
    assert client.get(reverse("accounts:directory")).status_code == 403


@pytest.mark.parametrize("extra", [0, 5])
def test_directory_query_count_is_flat(client, district, django_assert_num_queries, extra):
    from accounts.tests.factories import OrganisationFactory

    for n in range(extra):
        OrganisationFactory(name=f"新增施工单位{n}", kind="contractor")
    client.force_login(district.dept)
    # session, user, companies, their staff, session refresh (3)
    with django_assert_num_queries(7):
        assert client.get(reverse("accounts:directory")).status_code == 200
