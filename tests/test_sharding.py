"""Sharding: `--shards A-B --shard-count N` runs one cluster; the plain and the sharded bot come
from one factory and carry the same commands, checks and error handling."""

import discord
import pytest
from discord.ext import commands

from bot import config
from bot.discord_bot import ShardedWikishelfBot, WikishelfBot, make_bot
from bot.service import ShelfService


@pytest.mark.parametrize("argv, ids, count", [
    (["--shards", "0-3", "--shard-count", "8"], [0, 1, 2, 3], 8),
    (["--shards", "4-7", "--shard-count", "8"], [4, 5, 6, 7], 8),
    (["--shards", "0,2,5", "--shard-count", "6"], [0, 2, 5], 6),
    (["--shard-count", "2"], None, 2),
    ([], None, None),
])
def test_shard_options(argv, ids, count):
    cfg = config.load(["--console", *argv])
    assert (cfg.shard_ids, cfg.shard_count) == (ids, count)


@pytest.mark.parametrize("argv, message", [
    (["--shards", "0-3"], "needs --shard-count"),
    (["--shards", "0-8", "--shard-count", "8"], "numbered from 0 to 7"),
    (["--shards", "3-1", "--shard-count", "8"], "not a shard range"),
    (["--shards", "x", "--shard-count", "8"], "not a shard range"),
    (["--shards", "-1", "--shard-count", "8"], "not a shard range"),
    (["--shard-count", "0"], "at least 1"),
])
def test_bad_shard_options_give_one_clear_line(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        config.load(argv)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


async def test_the_factory_builds_both_bots_with_the_same_commands(rec, tmp_path):
    from bot.store import Store

    store = await Store.open(tmp_path / "s.db")
    service = ShelfService(rec, store)
    plain = make_bot(service=service)
    cluster = make_bot(service=service, shard_ids=[0, 1, 2, 3], shard_count=8)
    assert type(plain) is WikishelfBot and not isinstance(plain, commands.AutoShardedBot)
    assert isinstance(cluster, ShardedWikishelfBot)
    assert isinstance(cluster, commands.AutoShardedBot)
    assert cluster.shard_ids == [0, 1, 2, 3] and cluster.shard_count == 8
    for bot in (plain, cluster):
        await bot._async_setup_hook()
        await bot.setup_hook()
    assert {c.name for c in plain.commands} == {c.name for c in cluster.commands}
    assert len(plain.commands) > 10
    assert cluster.allowed_mentions.to_dict() == discord.AllowedMentions.none().to_dict()
    assert type(cluster).on_command_error is type(plain).on_command_error
    for bot in (plain, cluster):
        bot._maps.cleanup()
    await store.close()
