"""Production settings behind a real nginx running the deployment's own proxy configuration
(deploy/nginx), with clients on different loopback addresses: the app sees each client's
address, a spray of failed log-ins from many addresses locks nobody out elsewhere, and ratings
from different residents are not pooled into one address."""

import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from accounts.tests.factories import PASSWORD
from approvals import services as approvals
from ratings.models import Rating
from tests.funds_helpers import under_way

from .deployment import ROOT, nginx_directive, size_in_bytes
from .stack import Client, Stack, nginx_binary

pytestmark = [
    pytest.mark.nginx,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

HSTS = "max-age=31536000; includeSubDomains; preload"  # production's SECURE_HSTS_* settings
SPRAY_ADDRESSES = [f"127.0.1.{n}" for n in range(1, 51)]
TRIES_PER_ADDRESS = 20
SPRAY_TIME_LIMIT = 300  # seconds; the spray takes well under a minute here


@pytest.fixture(scope="module")
def stack(django_db_setup, tmp_path_factory):
    """gunicorn on the test database behind nginx, for the module; killed at the end."""
    db = settings.DATABASES["default"]
    running = Stack(
        directory=tmp_path_factory.mktemp("proxy"),
        database_url=(
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        redis_url=settings.REDIS_URL,
        nginx=nginx_binary(),
    )
    try:
        running.start()
        yield running
    finally:
        running.stop()


def _log_in(client: Client, username: str, password: str, **kwargs):
    return client.post_form(
        reverse("login"), {"username": username, "password": password}, **kwargs
    )


def test_http_goes_to_https_and_every_answer_carries_one_hsts_header(stack):
    client = Client(stack, "127.0.0.2")
    path = reverse("login") + "?next=/projects/"
    plain = client.get(path, https=False)
    assert plain.status == 301
    assert plain.header("Location") == [f"https://127.0.0.1:{stack.https_port}{path}"]
    assert not plain.header("Strict-Transport-Security")  # meaningless over plain http

    page = client.get(path)
    assert page.status == 200 and 'name="password"' in page.text
    assert page.header("Strict-Transport-Security") == [HSTS]
    # The request id nginx gave the request is the app's, and its access log's.
    request_id = page.header("X-Request-ID")[0]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    # nginx writes its log line once the answer is sent: give it a moment under load.
    deadline = time.monotonic() + 5
    while f"rid={request_id}" not in stack.access_log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert f"rid={request_id}" in stack.access_log.read_text()

    static = client.get("/static/favicon.svg")  # through the proxy to whitenoise
    assert static.status == 200 and static.body == (ROOT / "static/favicon.svg").read_bytes()
    assert static.header("Strict-Transport-Security") == [HSTS]

    # nginx's own refusal of an upload over the limit: before reading the body, in Chinese.
    limit = size_in_bytes(nginx_directive("client_max_body_size")[0])
    too_large = client.request("POST", reverse("login"), headers={"Content-Length": str(limit + 1)})
    assert too_large.status == 413 and "上传内容过大" in too_large.text
    assert too_large.header("Strict-Transport-Security") == [HSTS]


def test_while_the_app_is_down_nginx_answers_in_chinese(tmp_path):
    down = Stack(directory=tmp_path, database_url="", redis_url="", nginx=nginx_binary())
    try:
        down.start(app=False)
        response = Client(down, "127.0.0.2").get(reverse("login"))
    finally:
        down.stop()
    assert response.status == 502 and "系统暂时不可用" in response.text
    assert response.header("Strict-Transport-Security") == [HSTS]


def test_the_app_sees_each_clients_own_address_and_no_forged_one(stack, district):
    assert _log_in(Client(stack, "127.0.3.2"), "drc", "wrong").status == 200
    forger = Client(stack, "127.0.3.3")
    forged = {"X-Forwarded-For": "10.9.9.9, 203.0.113.5"}
    assert _log_in(forger, "finance", "wrong", headers=forged).status == 200
    assert _log_in(Client(stack, "127.0.3.4"), "finance", PASSWORD).status == 302

    attempts = set(AccessAttempt.objects.values_list("username", "ip_address"))
    assert attempts == {("drc", "127.0.3.2"), ("finance", "127.0.3.3")}
    log = stack.app_log.read_text()
    assert "login_failed actor=anonymous ip=127.0.3.2 username=drc" in log
    assert "login_failed actor=anonymous ip=127.0.3.3 username=finance" in log
    assert "login actor=finance ip=127.0.3.4" in log
    assert "10.9.9.9" not in log and "203.0.113.5" not in log


def _spray(stack, address: str, victim: str) -> list[int]:
    """Twenty failed log-ins from one address: every other one the victim's name, the rest a
    different name each time."""
    client = Client(stack, address)
    statuses = []
    for n in range(TRIES_PER_ADDRESS):
        username = victim if n % 2 == 0 else f"guess-{address}-{n}"
        statuses.append(_log_in(client, username, f"wrong-{n}").status)
    return statuses


def test_a_spray_of_1000_failed_log_ins_from_50_addresses_locks_nobody_out_elsewhere(
    stack, district
):
    victim = district.discipline.username
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=6) as pool:
        sprays = list(pool.map(lambda a: _spray(stack, a, victim), SPRAY_ADDRESSES))
    took = time.monotonic() - started
    print(
        f"\n{len(SPRAY_ADDRESSES) * TRIES_PER_ADDRESS} failed log-ins through nginx: {took:.1f} s"
    )
    assert took < SPRAY_TIME_LIMIT

    assert sum(len(statuses) for statuses in sprays) == 1000
    for statuses in sprays:
        # The victim's name from this address: four wrong passwords answered, the fifth locks
        # the pair (answered 429 with the lock-out page), and so is every try after it.
        assert statuses[0::2] == [200] * 4 + [429] * 6
        # Twenty failures from one address stay under the address's own limit of thirty.
        assert statuses[1::2] == [200] * 10
    # The app counted fifty addresses, not the proxy's one.
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == set(SPRAY_ADDRESSES)

    # The victim, from their own office's address: in at once.
    own = _log_in(Client(stack, "127.0.1.100"), victim, PASSWORD)
    assert own.status == 302 and own.header("Location") == [
        resolve_url(settings.LOGIN_REDIRECT_URL)
    ]
    # From an address that sprayed their name, the pair stays locked, in Chinese.
    sprayed = _log_in(Client(stack, "127.0.1.7"), victim, PASSWORD)
    assert sprayed.status == 429 and "登录已暂时锁定" in sprayed.text
    # Someone else at that address is not locked out.
    assert _log_in(Client(stack, "127.0.1.7"), "finance", PASSWORD).status == 302


def test_ratings_from_different_residents_are_not_pooled_into_one_address(stack, district):
    project, contractor = under_way(district, progress="100")
    approvals.project_transition(actor=contractor, project_id=project.pk, name="declare_complete")
    url = reverse("api-public-rating", args=[project.public_token])
    limit = int(settings.RATING_RATE_LIMIT.split("/")[0])  # per address: machine rates only

    residents = [f"127.0.2.{n}" for n in range(1, limit + 6)]
    answers = [Client(stack, a).post_json(url, {"score": 90}).status for a in residents]
    assert answers == [201] * len(residents)  # pooled, the eleventh would have been refused

    # One address (fresh phones, no cookie) still meets the limit.
    one = "127.0.2.200"
    answers = [Client(stack, one).post_json(url, {"score": 60}).status for _ in range(limit + 1)]
    assert answers == [201] * limit + [429]

    assert Rating.objects.filter(project=project).count() == len(residents) + limit
    refused = [line for line in stack.app_log.read_text().splitlines() if " rate_limited " in line]
    assert len(refused) == 1 and f"ip={one} group=ratings.rate" in refused[0]
