"""Every message a user can get, in one voice and meant for them: no file paths, build commands
or Python internals reach Discord, and every sentence follows the same few rules. Every command
is driven through the service and through the Discord bot with normal and bad inputs (the
hostile sweep's texts among them)."""

from __future__ import annotations

import re

import discord
import discord.ext.test as dpytest
import pytest
from discord.ext import commands

from bot import answers as a
from bot.commands import COMMANDS
from bot.render_discord import render as render_discord
from bot.render_text import render as render_text
from tests.bot_fixtures import member
from tests.hostile_inputs import FORMAT, NUMBERS, PATHS, RATINGS, WORDS

# What only an operator can use: a path on the bot's machine, a command to run there, the
# program's insides.
OPERATOR_TEXT = {
    "a file path": re.compile(r"(?<![\w<])(?:/(?:tmp|home|work|usr|etc|var|opt|root|srv|proc)\b"
                              r"|[A-Za-z]:\\|\b[\w-]+/[\w./-]+\.(?:py|json|npy|ann|db|sqlite3?|"
                              r"png|tsv|ndjson|csv)\b|\bmodels/|\bdata/)"),
    "a build command": re.compile(r"\bpython3?\s+(?:-m\s+)?\S|\bscripts/|\bmake\s+(?:model|run|"
                                  r"test|install)\b|\bpip\s+install\b|--out\b|--data\b"),
    "Python's insides": re.compile(r"Traceback|\b\w+(?:Error|Exception)\b|\bNone\b|<\w+ object|"
                                   r"\brepr\b|\\x[0-9a-f]{2}"),
}
# The one voice: a sentence starts with a capital (or the quoted text it is about) and ends
# with a stop; the user's own words are set in curly quotes, never in Python's '...'; the bot
# never says "I" or "my"; commands are written `!name ...`.
STARTS = re.compile(r"^[A-Z“\"]")
ENDS = re.compile(r"[.?!:)”]$")
FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|me|my|mine)\b")
PYTHON_QUOTES = re.compile(r"(?<![\w’'])'[^'\n]{1,80}'(?![\w’'])")
BARE_COMMAND = re.compile(r"(?<![`\w])!(?:" + "|".join(c.name for c in COMMANDS) + r")\b")

SAMPLE_TITLES = ["The Hobbit", "the hobit", "The Hobbit 5", "Dune", "zzzz qqqq", ""]
BAD_INPUTS = (["", " ", "x" * 400, "The Hobbit 0", "The Hobbit 99", "The Hobbit five",
               "The Hobbit -3", "The Hobbit 4.5", "Middle-earth", "confirm"]
              + PATHS[:6] + FORMAT[:4] + RATINGS[:6] + NUMBERS[:6] + WORDS[-6:])


def texts_of(reply) -> list[str]:
    """Every piece of text a Discord reply shows."""
    out = [reply.content or ""]
    for embed in [reply.embed, *reply.pages]:
        if embed is None:
            continue
        data = embed.to_dict()
        out += [data.get("title", ""), data.get("description", ""),
                data.get("footer", {}).get("text", ""), data.get("author", {}).get("name", "")]
        out += [f"{f['name']} {f['value']}" for f in data.get("fields", [])]
    return [t for t in out if t]


def without_user_text(text: str, typed: str) -> str:
    """The reply with what the user typed (echoed in quotes, or escaped) taken out."""
    text = re.sub(r"“[^”]*”", "“…”", text)
    for piece in {typed, discord.utils.escape_markdown(typed), typed.strip()} - {""}:
        text = text.replace(piece, "…")
    return text


def operator_text(text: str) -> list[str]:
    return [f"{what}: {m.group(0)!r}" for what, pattern in OPERATOR_TEXT.items()
            if (m := pattern.search(text))]


def voice_problems(message: str) -> list[str]:
    """The rules, on a short message (a Problem, a notice): one or two sentences."""
    found = []
    if not STARTS.match(message):
        found.append("does not start with a capital")
    if not ENDS.search(message.rstrip()):
        found.append("does not end with a stop")
    if m := FIRST_PERSON.search(message):
        found.append(f"speaks as {m.group(0)!r}")
    if m := PYTHON_QUOTES.search(message):
        found.append(f"quotes with {m.group(0)!r}")
    if m := BARE_COMMAND.search(message):
        found.append(f"command not in backticks: {m.group(0)!r}")
    if "  " in message:
        found.append("double space")
    return found


async def every_answer(service, user: str):
    """(command, typed text, answer) for every command with sample and bad inputs."""
    for rating in (None, 4, 5):
        await service.read(user, "Dune", rating)  # a shelf, so shelf/next/export answer fully
    for text in SAMPLE_TITLES + BAD_INPUTS:
        yield "similar", text, await service.similar(text)
        yield "info", text, await service.info(text)
        yield "pages", text, await service.pages(text)
        yield "about", text, await service.about(text)
        if text in SAMPLE_TITLES:  # a map takes a second to draw
            yield "map", text, await service.map(text)
        yield "read", text, await service.read(user, text)
        yield "unread", text, await service.unread(user, text)
        yield "shelf", text, await service.shelf(user, text)
        yield "import", text, await service.import_goodreads(user, text.encode())
    for k in (None, 0, 3, 26):
        yield "next", str(k), await service.next(user, k)
    yield "export", "", await service.export(user)
    yield "help", "", await service.help()
    yield "forget", "", await service.forget(user)
    yield "forget", "confirm", await service.forget(user, confirm=True)
    yield "next", "", await service.next(user)  # an empty shelf now
    yield "shelf", "", await service.shelf(user)
    yield "forget", "", await service.forget(user)


async def test_no_answer_sends_operator_text_to_discord_and_all_speak_alike(service):
    failures = []
    seen = set()
    async for command, typed, answer in every_answer(service, "discord:1"):
        for text in texts_of(render_discord(answer, "!")):
            for problem in operator_text(without_user_text(text, typed)):
                failures.append(f"!{command} {typed[:30]!r}: {problem} in {text[:120]!r}")
        message = render_text(answer, "!")
        if isinstance(answer, (a.Problem, a.ForgetPrompt, a.Forgotten)) or (
                isinstance(answer, a.Shelf) and not answer.total):
            key = (type(answer).__name__, without_user_text(message, typed))
            if key not in seen:
                seen.add(key)
                failures += [f"!{command} {typed[:30]!r}: {p} in {message!r}"
                             for p in voice_problems(without_user_text(message, typed))]
    assert len(seen) >= 15  # the sweep reached many different refusals
    assert not failures, "\n".join(failures[:30])


@pytest.mark.parametrize("line", [
    "!similar", "!read", "!shelf abc", "!next lots", "!sync", "!import", "!info",
    "!similar The Hobbit", "!read /work/shared/data/x.csv", "!pages python scripts/build_model.py",
])
async def test_the_discord_bot_own_messages_speak_alike(bot, line):
    try:
        await dpytest.message(line, member=member(1))
    except commands.CommandError:
        pass  # answered by on_command_error, checked below like any reply
    message = dpytest.get_message()
    typed = line.partition(" ")[2]
    for text in [message.content or ""] + [e.description or "" for e in message.embeds]:
        for problem in operator_text(without_user_text(text, typed)):
            pytest.fail(f"{line}: {problem} in {text!r}")
    if message.content and not message.embeds:
        assert not voice_problems(without_user_text(message.content, typed)), message.content


@pytest.mark.parametrize("message, problem", [
    ("Model directory /work/models/x is not usable: Build it with: python scripts/build_model.py",
     "a file path"),
    ("Run `make model` first.", "a build command"),
    ("KeyError: 'x'", "Python's insides"),
])
def test_the_operator_text_patterns_catch_what_they_name(message, problem):
    assert any(p.startswith(problem) for p in operator_text(message))


@pytest.mark.parametrize("message", [
    "no Wikipedia page in the model matches 'tolkien'", "I could not read that. Try !help.",
    "Which title? Try  `!help`.", "Your shelf is empty"])
def test_the_voice_rules_catch_what_they_name(message):
    assert voice_problems(message)


async def test_a_model_without_a_map_tells_discord_users_maps_are_off_and_the_log_why(
        tiny_model_dir, tmp_path, monkeypatch, caplog):
    """The model's problem and its fix (a path, a build command) are for the operator's log."""
    import shutil

    from bot.discord_bot import make_bot
    from bot.service import ShelfService
    from bot.store import Store
    from engine.model_dir import BOOK_MAP
    from engine.serve.recommender import Recommender

    copy = tmp_path / "model"
    shutil.copytree(tiny_model_dir, copy)
    (copy / BOOK_MAP).unlink()
    monkeypatch.chdir(tmp_path)
    store = await Store.open(tmp_path / "shelf.db")
    intents = discord.Intents.default()
    intents.message_content = intents.members = True
    client = make_bot(service=ShelfService(Recommender.load(copy), store), intents_override=intents)
    try:
        await client._async_setup_hook()
        await client.setup_hook()
        dpytest.configure(client, members=["carol"])
        await dpytest.message("!map War and Peace", member=dpytest.get_config().members[0])
        reply = dpytest.get_message().content
        assert reply == "Maps are switched off here."
        assert any("build_model.py" in r.getMessage() for r in caplog.records)
    finally:
        await dpytest.empty_queue()
        await store.close()
