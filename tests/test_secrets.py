"""The Discord token never appears in logs, errors or replies (a fake token throughout)."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import discord.ext.test as dpytest
import pytest
from discord.ext import commands

from bot import redact
from tests.bot_fixtures import member

ROOT = Path(__file__).resolve().parent.parent
FAKE_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GfAkEt.fake-token-only-for-tests-0123456789abcdef"


@pytest.mark.parametrize("sharding", [[], ["--shards", "0-3", "--shard-count", "8"]],
                         ids=["plain", "cluster"])
def test_starting_with_a_fake_token_logs_and_prints_no_token(tiny_model_dir, tmp_path, sharding):
    env = {**os.environ, "DISCORD_TOKEN": FAKE_TOKEN}
    result = subprocess.run([sys.executable, "-m", "bot", "--model", str(tiny_model_dir), "--db",
                             str(tmp_path / "s.db"), "--log-level", "DEBUG", *sharding], env=env,
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    output = result.stdout + result.stderr
    assert "logging in using static token" in output  # it really tried Discord
    assert result.returncode in (2, 3)  # 3: no network here; 2: Discord refused the token
    assert FAKE_TOKEN not in output and FAKE_TOKEN[:24] not in output
    assert "Traceback" not in output
    assert output.strip().splitlines()[-1].startswith("wikishelf: ")
    if sharding:
        assert "cluster: shards [0, 1, 2, 3] of 8" in output


def test_the_token_is_masked_in_messages_and_tracebacks():
    logger = logging.getLogger("wikishelf-test-redaction")
    stream_path = []

    class Collect(logging.Handler):
        def emit(self, record):
            stream_path.append(self.format(record))
    handler = Collect()
    logger.addHandler(handler)
    logger.propagate = False
    redact.install(FAKE_TOKEN, logger)
    try:
        logger.warning("Authorization: Bot %s", FAKE_TOKEN)
        try:
            raise RuntimeError(f"request failed with token {FAKE_TOKEN}")
        except RuntimeError:
            logger.exception("boom")
    finally:
        logger.removeHandler(handler)
    text = "\n".join(stream_path)
    assert FAKE_TOKEN not in text and text.count(redact.MASK) == 2
    assert "RuntimeError" in text  # the traceback is kept, only the secret goes


async def test_an_error_reply_never_carries_exception_text(bot, monkeypatch, caplog):
    async def failing_help():
        raise RuntimeError(f"token={FAKE_TOKEN} leaked in an exception")
    monkeypatch.setattr(bot.service, "help", failing_help)  # a fault inside a command
    redact.install(FAKE_TOKEN)  # on the root handlers, caplog's included
    with pytest.raises(commands.CommandInvokeError):
        await dpytest.message("!help", member=member(1))
    reply = dpytest.get_message().content
    assert "went wrong" in reply and FAKE_TOKEN not in reply and "RuntimeError" not in reply
    assert caplog.records, "the failure must be logged for the operator"
    logged = caplog.text
    assert FAKE_TOKEN not in logged and redact.MASK in logged


def test_config_repr_hides_the_token(monkeypatch):
    from bot import config
    monkeypatch.setenv("DISCORD_TOKEN", FAKE_TOKEN)
    cfg = config.load(["--console"])
    assert cfg.token == FAKE_TOKEN and FAKE_TOKEN not in repr(cfg)
