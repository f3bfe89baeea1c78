"""The table of commands (bot/commands.py) against everything that states a command: the cog's
prefix and slash commands, the console, `!help` and the README. Each check compares both ways,
so a command added to the table without a handler fails, and so does a handler not in it."""

from __future__ import annotations

import re
from pathlib import Path

import discord.ext.test as dpytest
from discord.ext import commands

from bot import answers as a
from bot import console
from bot.commands import COMMANDS, COOLDOWNS, DISCORD_COMMANDS, EVERY_COMMAND, SYNC, Arg
from bot.render_text import render
from bot.service import MAX_K

README = Path(__file__).resolve().parent.parent / "README.md"
RANGES = {Arg.COUNT: (1, MAX_K), Arg.RATING: (1, 5)}  # what a slash option lets Discord send


async def test_the_prefix_commands_are_the_table(bot):
    registered = {command.name: command for command in bot.commands}
    assert sorted(registered) == sorted(c.name for c in EVERY_COMMAND)
    for spec in EVERY_COMMAND:
        command = registered[spec.name]
        assert command.description == spec.description, spec.name
        assert command.hidden == (spec is SYNC), spec.name
        if spec.subcommands:  # a group: its subcommands are the table's, each with the cooldown
            assert isinstance(command, commands.Group), spec.name
            assert sorted(c.name for c in command.commands) == sorted(spec.subcommands)
            for sub in command.commands:
                assert (sub.cooldown.rate, sub.cooldown.per) == COOLDOWNS[spec.cooldown], sub.name
            continue
        assert list(command.clean_params) == [arg.param for arg in spec.args], spec.name
        if spec.cooldown is None:
            assert command.cooldown is None, spec.name
        else:
            cooldown = command.cooldown
            assert (cooldown.rate, cooldown.per) == COOLDOWNS[spec.cooldown], spec.name
            assert command._buckets.type is commands.BucketType.user, spec.name


async def test_the_slash_commands_are_the_table(bot):
    registered = {command.name: command for command in bot.tree.get_commands()}
    assert sorted(registered) == sorted(c.name for c in DISCORD_COMMANDS)  # `sync`: prefix only
    for spec in DISCORD_COMMANDS:
        command = registered[spec.name]
        assert command.description == spec.description, spec.name
        if spec.subcommands:
            assert sorted(c.name for c in command.commands) == sorted(spec.subcommands)
            continue
        options = [(p.name, p.type.name) for p in command.parameters]
        assert options == [(arg.param, arg.option) for arg in spec.args], spec.name
        for param, arg in zip(command.parameters, spec.args, strict=True):
            if arg in RANGES:
                assert (param.min_value, param.max_value) == RANGES[arg], spec.name


async def test_the_console_answers_every_table_command_and_no_other(service):
    assert sorted(console.CALLS) == sorted(c.name for c in COMMANDS)
    for spec in COMMANDS:
        answer = await console.answer_line(service, "console:ann", f"!{spec.name}")
        assert not (isinstance(answer, a.Problem) and "Unknown command" in answer.message), spec
    answer = await console.answer_line(service, "console:ann", f"!{SYNC.name}")
    assert isinstance(answer, a.Problem) and "Unknown command" in answer.message


async def test_help_lists_every_table_command(service):
    answer = await console.answer_line(service, "console:ann", "!help")
    assert answer == a.Help([(c.usage, c.help) for c in COMMANDS])
    listed = [line.split()[0] for line in render(answer).splitlines()[1:]]
    assert listed == [f"!{c.name}" for c in COMMANDS]


async def test_console_only_commands_are_marked_and_stay_out_of_discord(bot):
    console_only = [c.name for c in COMMANDS if c.console_only]
    assert console_only == ["pick", "notforme", "as"]
    assert not {c.name for c in bot.commands} & set(console_only)
    await dpytest.message("!help")
    shown = dpytest.get_message().embeds[0].description
    assert [f"!{c.name}" for c in DISCORD_COMMANDS] == re.findall(r"`(![a-z]+)", shown)


def test_the_readme_table_states_the_table():
    section = README.read_text(encoding="utf-8").split("\n## Commands\n")[1].split("\n## ")[0]
    usages = [u.replace("\\|", "|") for u in re.findall(r"^\| `([^`]+)` \|", section, re.M)]
    assert usages == [c.usage for c in COMMANDS]
