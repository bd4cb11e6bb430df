"""A real streaming replica (issue 19): the test makes its own primary with initdb and a replica
with pg_basebackup -R on free ports (tests/pgcluster.py), runs the app against both in a process
of its own (tests/replica_scenario.py), and removes both clusters however it ends. Writes go to
the primary and arrive on the replica; lists and dashboards read from the replica; the writer
reads their own write from the primary while pinned; a replica paused or too far behind is read
as it is or not at all; and once the replica is stopped, pages read the primary without an
error."""

import json
import os

import pytest

from .pgcluster import primary_and_replica
from .scenario import run_scenario

PIN_SECONDS = 2


@pytest.mark.replica
@pytest.mark.timeout(120)
def test_a_streaming_replica_serves_reads_keeps_read_your_writes_and_falls_back():
    with primary_and_replica() as (primary, replica):
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")},
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": primary.url,
            "DATABASE_REPLICA_URL": replica.url,
            "REDIS_URL": "",  # the pin's cache key in the process
            "REPLICA_PIN_SECONDS": str(PIN_SECONDS),
            "REPLICA_MAX_LAG_SECONDS": "30",
            "LX_REPLICA_STOP": json.dumps(replica.stop_command("fast")),
        }
        steps = run_scenario(
            "tests.replica_scenario",
            env,
            timeout=60,
            logs=lambda: replica.log() + primary.log(),
            inherit=False,  # no DATABASE_ setting of this run's
        )
    first, second = steps["write_1"]["id"], steps["write_2"]["id"]

    # the write goes to the primary and pins its writer, who reads it back from the primary
    assert steps["write_1"]["status"] == 201 and steps["write_1"]["pinned"], steps
    assert steps["write_1"]["replica_queries"] == 0
    mine = steps["writer_after_write"]
    assert mine["ids"] == [first]
    assert (mine["replica_queries"], mine["default"] > 0) == (0, True)

    # it arrives on the replica, where a colleague's list reads it
    assert steps["on_replica"] == 1
    theirs = steps["colleague"]
    assert theirs["ids"] == [first]
    assert (theirs["replica"] > 0, theirs["default"]) == (True, 0)

    # replay paused: the writer sees the new project, the colleague's replica does not yet
    assert steps["write_2"]["status"] == 201
    assert steps["writer_while_paused"]["ids"] == [first, second]
    paused = steps["colleague_while_paused"]
    assert paused["ids"] == [first]
    assert (paused["replica"] > 0, paused["default"]) == (True, 0)

    # further behind than REPLICA_MAX_LAG_SECONDS: read from the primary, and said in the log
    lagging = steps["colleague_lagging"]
    assert lagging["ids"] == [first, second]
    assert (lagging["replica"], lagging["default"] > 0) == (0, True)
    assert any("behind the primary" in line for line in steps["log"])

    # caught up again: read from the replica, which now has both
    resumed = steps["colleague_resumed"]
    assert resumed["ids"] == [first, second]
    assert (resumed["replica"] > 0, resumed["default"]) == (True, 0)

    # the writer's pin is over: the replica again
    over = steps["writer_pin_over"]
    assert over["ids"] == [first, second] and over["replica"] > 0 and over["default"] == 0

    # the discipline officer's dashboard list reads the replica, and stays unpinned
    for page in steps["dashboard"]:
        assert page["status"] == 200 and page["names"] == ["梅园路一号", "梅园路二号"]
        assert page["replica"] > 0 and page["default"] == 0 and not page["pinned"]

    # the replica stopped: every page answers from the primary, none with an error
    assert steps["replica_connection_open"]
    lost = steps["after_stop_lost_mid_page"]
    assert lost["status"] == 200 and lost["ids"] == [first, second] and lost["default"] > 0
    down = steps["after_stop_marked_down"]
    assert down["status"] == 200 and down["ids"] == [first, second]
    assert (down["replica_queries"], down["default"] > 0) == (0, True)
    assert steps["after_stop_dashboard"]["status"] == 200
    assert steps["after_stop_dashboard"]["names"] == ["梅园路一号", "梅园路二号"]
    refused = steps["after_stop_refused"]
    assert refused["status"] == 200 and refused["ids"] == [first, second]
    assert refused["replica_queries"] == 0 and refused["seconds"] < 2
    assert steps["after_stop_write"]["status"] == 201
    assert any("failed during /api/v1/projects/" in line for line in steps["log"])
    assert any("Connection refused" in line for line in steps["log"])
