"""A process writing a burst of reads is SIGKILLed mid-burst: the database is intact and every
read acknowledged before the kill is there (on SQLite and on PostgreSQL)."""

import pytest

from bot.reliability import crash_once


@pytest.mark.parametrize("kill_after", [1, 150])
def test_sigkill_mid_burst_loses_no_acknowledged_read(store_target, kill_after):
    outcome = crash_once(store_target, kill_after, lanes=10, per_lane=200)
    assert outcome["killed_by"] == 9  # really killed, not finished
    assert outcome["acked"] >= kill_after
    assert outcome["integrity"] == "ok"
    assert outcome["lost"] == 0
