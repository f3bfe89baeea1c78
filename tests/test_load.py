"""Many users at once against the service and the real SQLite store (correctness only; the
timed version is `python scripts/bench.py --sections reliability`)."""

from bot.reliability import run_load
from bot.throttle import Throttle


async def test_100_users_10_commands_lose_and_duplicate_nothing(rec, tmp_path):  # noqa: F811
    result = await run_load(rec, tmp_path / "load.db", users=100, commands=10, think_s=0.0)
    assert len(result.all_latencies()) == 1000
    assert result.errors == []  # includes lost, unexpected, re-rated or duplicated rows
    assert sum(len(books) for books in result.acked.values()) > 100  # writes really happened


async def test_a_flooding_user_is_throttled_and_the_others_are_not(rec, tmp_path):  # noqa: F811
    throttle = Throttle(burst=8, per_second=1.0)
    result = await run_load(rec, tmp_path / "flood.db", users=20, commands=5, think_s=0.05,
                            flood=True, throttle=throttle)
    assert result.errors == []
    assert result.throttled > 50  # the flood was answered "slow down" again and again
    assert len(result.all_latencies()) == 100  # every other user's command was answered


def test_the_throttle_refills_over_time():
    now = [0.0]
    throttle = Throttle(burst=3, per_second=2.0, clock=lambda: now[0])
    assert [throttle.hit("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert throttle.hit("a") == 0.5 and throttle.hit("b") == 0.0  # others unaffected
    now[0] += 0.5
    assert throttle.hit("a") == 0.0 and throttle.hit("a") > 0
