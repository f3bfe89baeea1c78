"""Several shard processes on one PostgreSQL through the service layer (bot.cluster_load, the
scale benchmark's harness, at a small size): no errors, every acknowledged write stored once,
and one process SIGKILLed mid-burst loses nothing it acknowledged while the others carry on."""

import pytest

from bot.cluster_load import flood_cluster, run_cluster

pytestmark = pytest.mark.slow


def test_processes_sharing_postgresql_lose_nothing(tiny_model_dir, pg_target):
    r = run_cluster(tiny_model_dir, pg_target, 2, 15, 6, 0.05)
    assert r["errors"] == 0 and r["lost_or_duplicated"] == 0, r
    assert r["commands"] == 2 * 15 * 6 and r["acked_writes"] > 10


def test_a_process_killed_mid_burst_loses_no_acknowledged_write(tiny_model_dir, pg_target):
    r = run_cluster(tiny_model_dir, pg_target, 3, 15, 30, 0.05, kill_after=20)
    assert r["killed"]["exit"] == -9 and r["killed"]["acked_before_kill"] >= 20
    assert r["lost_or_duplicated"] == 0, r["first_problems"]
    assert r["survivors_finished"] and r["errors"] == 0
    assert r["survivor_writes_in_3_s_after_kill"] > 0  # the others kept answering


def test_per_process_throttles_let_one_user_through_once_per_process(tiny_model_dir, pg_target):
    one, two = (flood_cluster(tiny_model_dir, pg_target, n, 2.0) for n in (1, 2))
    assert one["refused"] > 10 * one["accepted"]  # a flood does no work...
    assert one["accepted"] <= 8 + 2 + 1  # burst 8, then 1 a second
    assert two["accepted"] <= 2 * (8 + 2 + 1)  # ...and at most once more per process
