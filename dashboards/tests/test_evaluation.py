"""The labelled evaluation set (tests/planted.py, issue #18 point 9): every rule lists every planted
case (recall 100%) and at most 5% of its look-alikes. bench/anomaly_eval.py prints the figures."""

import pytest

from tests.planted import evaluate, plant

pytestmark = pytest.mark.django_db

RECALL = 1.0
FALSE_FLAGS = 0.05


def test_every_rule_finds_its_planted_cases_and_spares_the_look_alikes(district):
    figures = evaluate(plant(district))
    assert {f.rule for f in figures} >= {
        "bid-together",
        "bid-losers",
        "bid-rotation",
        "bid-prices",
        "bid-identities",
        "shared-identities",
        "supervision-ties",
        "awarder-ties",
        "certificate-lending",
        "change-creep",
        "progress-no-work",
        "payment-over-logs",
        "completion-few-days",
    }
    for f in figures:
        assert f.planted and f.lookalikes, f  # each rule has both kinds of case
        assert f.recall >= RECALL, f
        assert f.false_flags <= FALSE_FLAGS, f
