"""The reliability harness across processes (bot.load_server, the reliability benchmark's
harness, at a small size): users and a flooder in this process, the service in a serving
process of its own on the tiny model; what the driver saw acknowledged is what the database
holds, the flood is refused, and the serving process's loop-lag record comes back."""

import json
import sqlite3

from bot.load_server import LoadServer, run_remote_load
from bot.loop_lag import STALL_MS, TICK_S


async def test_users_driven_from_another_process_lose_nothing_and_the_flood_is_refused(
        tiny_model_dir, tmp_path):
    db = tmp_path / "remote.db"
    users, commands = 12, 6
    result = await run_remote_load(tiny_model_dir, db, users, commands, think_s=0.1, flood=True)
    assert result.errors == []  # includes lost, unexpected, re-rated or duplicated rows
    assert len(result.all_latencies()) == users * commands
    with sqlite3.connect(db) as conn:
        stored = set(conn.execute("SELECT user_id, title FROM reads").fetchall())
    acked = {(u, t) for u, books in result.acked.items() for t in books}
    assert stored == acked and len(acked) > users  # the writes really crossed the socket
    # The flood: ~200 lines a second, all but the throttle's burst and refill answered "slow down".
    assert result.flood_sent > 50 and result.throttled > 0.8 * result.flood_sent
    assert len(result.acked["flood"]) == 1  # it only ever reads one title
    # The serving process timed its own loop for the whole run, and its handling of each line.
    assert len(result.lag_ms) > 0.5 * result.wall_s / TICK_S
    assert len(result.idle_lag_ms) > 0.5 * result.wall_s / TICK_S  # the idle process's, beside it
    assert all(stall["lag_ms"] > STALL_MS and "queued_ms" in stall for stall in result.stalls)
    assert len(result.handled_ms) == len(result.all_latencies())
    assert max(result.handled_ms) <= max(result.all_latencies())  # the round trip adds to it


async def test_a_bad_request_gets_a_short_error_and_the_server_answers_on(service):
    server = LoadServer(service)
    for bad in (b"not json\n", b'{"user": 1, "line": "!help"}\n', b'{"line": "!help"}\n', b"[]\n", b'"op"\n'):
        assert await server.respond(bad) == {"error": "bad request"}
    assert await server.respond(b'{"op": "reboot"}\n') == {"error": "unknown op"}
    reply = await server.respond(json.dumps({"user": "u", "line": "!help"}).encode())
    assert reply["kind"] == "Help" and reply["text"] and reply["handled_ms"] >= 0
