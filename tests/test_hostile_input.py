"""Hostile input through every command on both adapters (Discord via dpytest and constructed
slash interactions; the console in-process and in one subprocess): no unhandled exception, every
reply inside Discord's limits, nothing sent that could ping anyone, and the database unchanged
whenever the input was refused."""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import discord
import discord.ext.test as dpytest
import pytest
from discord.ext import commands

from bot import answers as a
from bot import console
from bot.commands import EVERY_COMMAND
from bot.render_text import render as render_text
from tests import hostile_inputs
from tests.bot_fixtures import RecordingAdapter, interaction, member
from tests.hostile_inputs import TEXTS, goodreads_files

ROOT = Path(__file__).resolve().parent.parent
PING = re.compile(r"@(everyone|here)|<@[!&]?\d+>")
COMMANDS = [command.name for command in EVERY_COMMAND]  # the owner's `sync` too
# Each slash command's text option, the one hostile text goes into.
TEXT_OPTION = {command.name: command.args[0].param for command in EVERY_COMMAND
               if command.args and command.args[0].option == "string"}
SEED = [("The Hobbit", 4), ("Dune", None)]
CONSOLE_REPLY_LIMIT = 8000  # a console answer never echoes a 100,000-character input back


# -- what counts as a failure --

def dump(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return list(conn.iterdump())


def may_change(answer) -> bool:
    """Answers after which the database is allowed to differ; every other answer is a refusal."""
    return (isinstance(answer, (a.Logged, a.Forgotten))
            or (isinstance(answer, a.Unlogged) and answer.removed)
            or (isinstance(answer, a.ImportSummary) and answer.added + answer.updated > 0))


def embed_problems(embed: dict) -> list[str]:
    sizes = {"title": len(embed.get("title", "")), "description": len(embed.get("description", "")),
             "footer": len(embed.get("footer", {}).get("text", "")),
             "author": len(embed.get("author", {}).get("name", ""))}
    limits = {"title": 256, "description": 4096, "footer": 2048, "author": 256}
    found = [f"embed {k} {sizes[k]} > {limits[k]}" for k in limits if sizes[k] > limits[k]]
    fields = embed.get("fields", [])
    if len(fields) > 25:
        found.append(f"{len(fields)} fields")
    for f in fields:
        if len(f.get("name", "")) > 256 or len(f.get("value", "")) > 1024:
            found.append("field too long")
    total = sum(sizes.values()) + sum(len(f.get("name", "")) + len(f.get("value", ""))
                                      for f in fields)
    if total > 6000:
        found.append(f"embed total {total} > 6000")
    return found


def payload_problems(payload: dict) -> list[str]:
    """Discord's size limits and the no-ping rule, on one message payload as sent."""
    payload = payload.get("data", payload) if isinstance(payload.get("data"), dict) else payload
    found = []
    content = payload.get("content") or ""
    if len(content) > 2000:
        found.append(f"content {len(content)} > 2000")
    embeds = payload.get("embeds") or []
    if len(embeds) > 10:
        found.append("more than 10 embeds")
    for embed in embeds:
        found += embed_problems(embed)
    mentions = payload.get("allowed_mentions")
    if mentions is None or mentions.get("parse") != [] or mentions.get("users") \
            or mentions.get("roles") or mentions.get("replied_user"):
        found.append(f"allowed_mentions {mentions!r}")
    if match := PING.search(content + json.dumps(embeds, ensure_ascii=False)):
        found.append(f"could ping: {match.group(0)!r}")
    return found


# -- Discord --

@pytest.fixture
def sent_payloads(monkeypatch):
    """Every message payload discord.py builds for the HTTP layer (the real builder runs)."""
    recorded: list[dict] = []
    real = discord.http.handle_message_parameters

    def recording(*args, **kwargs):
        params = real(*args, **kwargs)
        if params.payload is None and params.multipart:  # with files, the JSON is a form part
            recorded.append(json.loads(params.multipart[0]["value"]))
        else:
            recorded.append(dict(params.payload or {}))
        return params
    for module in (discord.abc, discord.message, discord.channel, discord.interactions):
        monkeypatch.setattr(module, "handle_message_parameters", recording)
    return recorded


def record_answers(bot, monkeypatch) -> list:
    """The service answers the cog renders (the cog's own method still runs)."""
    cog = bot.get_cog("Shelf")
    answers: list = []
    real = cog.answer

    async def recording(ctx, answer):
        answers.append(answer)
        await real(ctx, answer)
    monkeypatch.setattr(cog, "answer", recording)
    return answers


def reset_cooldowns(bot) -> None:
    # Every input must reach its command, not the "slow down" answer.
    for command in bot.commands:
        command._buckets._cache.clear()


def deliverable(bot, text: str) -> str:
    """Mentions of members, roles and channels that exist, as Discord would deliver them."""
    guild = bot.guilds[0]
    text = re.sub(r"<@(!?)\d+>", lambda m: f"<@{m.group(1)}{member(0).id}>", text)
    text = re.sub(r"<@&\d+>", f"<@&{guild.default_role.id}>", text)
    return re.sub(r"<#\d+>", f"<#{guild.text_channels[0].id}>", text)


async def seed(store, user: str) -> None:
    for title, rating in SEED:
        if await store.get(user, title) is None:
            await store.log_read(user, title, rating)


@pytest.mark.slow
async def test_every_prefix_command_with_every_hostile_input(bot, sent_payloads, monkeypatch,
                                                             tmp_path, caplog):
    answers = record_answers(bot, monkeypatch)
    user = member(1)
    key = f"discord:{user.id}"
    db = bot.service.store.path
    export = tmp_path / "hostile.csv"
    failures: list[str] = []
    tried = 0
    for text in TEXTS:
        if "\x00" in text or any(0xD800 <= ord(c) <= 0xDFFF for c in text):
            continue  # Discord cannot deliver these; the console and slash tests cover them
        for command in COMMANDS:
            await seed(bot.service.store, key)
            reset_cooldowns(bot)
            before, answers[:], sent_payloads[:] = dump(db), [], []
            attachments = None
            if command == "import":
                export.write_bytes(goodreads_files()[f"text-{TEXTS.index(text)}"])
                attachments = [str(export)]
            try:
                await dpytest.message(f"!{command} {deliverable(bot, text)}", member=user,
                                      attachments=attachments)
            except commands.CommandInvokeError as exc:
                failures.append(f"!{command} {text[:40]!r}: {exc.original!r}")
            except commands.CommandError:
                pass  # answered by on_command_error, checked below like any reply
            tried += 1
            await dpytest.empty_queue()
            failures += [f"!{command} {text[:40]!r}: {p}" for s in sent_payloads
                         for p in payload_problems(s)]
            if not sent_payloads and command != "sync":
                failures.append(f"!{command} {text[:40]!r}: no reply")
            if dump(db) != before and not any(may_change(x) for x in answers):
                failures.append(f"!{command} {text[:40]!r}: database changed by {answers}")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert tried >= 200 * len(COMMANDS) * 0.9
    assert not failures, "\n".join(failures[:20])
    assert not errors, errors[0].getMessage()


@pytest.mark.slow
async def test_every_slash_command_with_every_hostile_input(bot, monkeypatch, caplog):
    adapter = RecordingAdapter(bot)
    token = discord.webhook.async_.async_context.set(adapter)
    answers = record_answers(bot, monkeypatch)
    key = f"discord:{member(0).id}"
    db = bot.service.store.path
    failures: list[str] = []
    try:
        for text in TEXTS:
            for command, option in TEXT_OPTION.items():
                await seed(bot.service.store, key)
                reset_cooldowns(bot)
                before, answers[:], adapter.sent[:] = dump(db), [], []
                await bot.tree._call(interaction(bot, command, [
                    {"name": option, "type": 3, "value": text}]))
                # autocomplete on the same text: at most 25 choices of at most 100 characters
                if command in ("similar", "read", "map"):
                    await bot.tree._call(interaction(bot, command, [
                        {"name": option, "type": 3, "value": text, "focused": True}], kind=4))
                for sent in adapter.sent:
                    if sent["payload"].get("type") in (5, 6):
                        continue  # "thinking…": a deferral carries no message
                    data = sent["payload"].get("data", sent["payload"])
                    for choice in data.get("choices") or []:
                        if len(choice["name"]) > 100 or len(choice["value"]) > 100:
                            failures.append(f"/{command} {text[:40]!r}: long choice")
                    if "choices" not in data and sent["method"] != "GET":
                        failures += [f"/{command} {text[:40]!r}: {p}"
                                     for p in payload_problems(data)]
                if not any(s["payload"].get("type") not in (5, 6) for s in adapter.sent):
                    failures.append(f"/{command} {text[:40]!r}: no reply")
                if dump(db) != before and not any(may_change(x) for x in answers):
                    failures.append(f"/{command} {text[:40]!r}: database changed")
            for command in ("shelf", "next"):  # integer options: Discord sends numbers
                for value in (0, -5, 10**20, 26):
                    await bot.tree._call(interaction(bot, command, [
                        {"name": "page" if command == "shelf" else "k", "type": 4,
                         "value": value}]))
    finally:
        discord.webhook.async_.async_context.reset(token)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not failures, "\n".join(failures[:20])
    assert not errors, errors[0].getMessage()


async def test_every_broken_goodreads_file_as_an_attachment(bot, sent_payloads, monkeypatch,
                                                            tmp_path):
    answers = record_answers(bot, monkeypatch)
    user = member(1)
    await seed(bot.service.store, f"discord:{user.id}")
    db = bot.service.store.path
    for name, data in goodreads_files().items():
        if name.startswith("text-"):
            continue  # sent with every hostile text above
        reset_cooldowns(bot)
        path = tmp_path / f"{name}.csv"
        path.write_bytes(data)
        before, answers[:], sent_payloads[:] = dump(db), [], []
        await dpytest.message("!import", member=user, attachments=[str(path)])
        await dpytest.empty_queue()
        assert sent_payloads, name
        for payload in sent_payloads:
            assert not payload_problems(payload), (name, payload_problems(payload))
        if name in ("empty", "binary", "nul", "png", "missing-columns", "missing-title",
                    "huge-cell", "enormous", "unbalanced-quote"):
            assert dump(db) == before, name
            assert not any(may_change(x) for x in answers), (name, answers)


# -- console --

async def console_failures(service, user: str, texts, db: Path, files: Path) -> list[str]:
    failures = []
    for i, text in enumerate(texts):
        for command in COMMANDS:
            await seed(service.store, console.console_user(user))
            arg = text
            if command == "import":
                path = files / f"text-{i}.csv"
                path.write_bytes(goodreads_files()[f"text-{i}"])
                arg = str(path)
            before = dump(db)
            answer = await console.answer_line(service, console.console_user(user),
                                               f"!{command} {arg}")
            reply = render_text(answer) if answer is not None else ""
            if len(reply) > CONSOLE_REPLY_LIMIT:
                failures.append(f"!{command} {text[:40]!r}: {len(reply)}-character reply")
            if dump(db) != before and not may_change(answer):
                failures.append(f"!{command} {text[:40]!r}: database changed by {answer}")
    return failures


@pytest.mark.slow
async def test_every_console_command_with_every_hostile_input(service, tmp_path):
    failures = await console_failures(service, "ann", TEXTS, service.store.path, tmp_path)
    assert not failures, "\n".join(failures[:20])


@pytest.mark.parametrize("path", hostile_inputs.PATHS)
async def test_console_import_reads_no_arbitrary_file(service, path):
    answer = await console.answer_line(service, "console:ann", f"!import {path}")
    assert isinstance(answer, a.Problem)
    assert "root:" not in answer.message and "PATH=" not in answer.message
    assert await service.store.count("console:ann") == 0


async def test_console_imports_every_broken_goodreads_file(service, tmp_path):
    for name, data in goodreads_files().items():
        path = tmp_path / f"{name}.csv"
        path.write_bytes(data)
        answer = await console.answer_line(service, "console:ann", f"!import {path}")
        assert isinstance(answer, (a.Problem, a.ImportSummary)), name
        assert len(render_text(answer)) <= CONSOLE_REPLY_LIMIT, name
    assert await service.store.count("console:ann") <= 3  # The Hobbit, Silmarillion, Dune


def test_console_subprocess_survives_every_hostile_line(tiny_model_dir, tmp_path):
    """Every input on one piped stdin, invalid UTF-8 included: the session reaches the end."""
    lines = []
    for text in TEXTS:
        flat = " ".join(text.split()) or "x"
        lines += [f"!{command} {flat}" for command in ("read", "similar", "unread", "shelf")]
    script = "\n".join(lines).encode("utf-8", "surrogatepass") + b"\n!read \xff\xfe bad\n!help\n"
    result = subprocess.run([sys.executable, "-m", "bot", "--console", "--model",
                             str(tiny_model_dir), "--db", str(tmp_path / "c.db"), "--user", "z"],
                            input=script, capture_output=True, cwd=ROOT, timeout=300)
    out = result.stdout.decode("utf-8", "replace")
    assert result.returncode == 0, result.stderr[-2000:]
    assert b"Traceback" not in result.stderr
    blocks = out.strip().split("\n\n")
    assert len(blocks) == len(lines) + 2 and blocks[-1].startswith("Commands:")
    assert "root:x:0:0" not in out
