"""Who a Discord `club pick` is for: the mentions in its words, read as member ids, role ids and
@everyone, and the club's joined members still in the server, by display name.

No privileged Members intent is needed: a role is resolved only among the club's joined members
(each looked up in the guild cache, else fetched), never by listing the role's members. Nothing
here sends anything; answers name members, never mention them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import discord

from bot.views import user_key

MAX_MENTIONS = 25
MENTION = re.compile(r"<@!?(\d{1,20})>|<@&(\d{1,20})>|@(everyone|here)\b")
POLL_WORD = "poll"


@dataclass
class PickWords:
    users: list[int] = field(default_factory=list)
    roles: list[int] = field(default_factory=list)
    everyone: bool = False
    k: int | None = None
    poll: bool = False
    problem: str | None = None


def read_pick_words(text: str, max_k: int) -> PickWords:
    """`@ann @bob 5 poll` -> ids, k and the poll flag; anything else is a problem."""
    words = PickWords()
    rest = text or ""
    for match in MENTION.finditer(rest):
        if match.group(1):
            words.users.append(int(match.group(1)))
        elif match.group(2):
            words.roles.append(int(match.group(2)))
        else:
            words.everyone = True
    for word in MENTION.sub(" ", rest).split():
        if word.lower() == POLL_WORD:
            words.poll = True
        elif word.isdigit() and 1 <= int(word) <= max_k and words.k is None:
            words.k = int(word)
        else:
            words.problem = (f"`club pick` takes members or a role (as mentions), a number from "
                             f"1 to {max_k} and `poll`; not “{word[:40]}”.")
            return words
    if len(words.users) + len(words.roles) > MAX_MENTIONS:
        words.problem = f"Name at most {MAX_MENTIONS} members or roles."
    elif words.everyone:
        words.problem = ("Picks are for the club's members, not for everyone: leave the names out "
                         "(`club pick`) to pick for the whole club.")
    return words


async def member_of(guild: discord.Guild, user_id: int) -> discord.Member | None:
    """The guild member now, from the cache or asked of Discord; None when not in the server."""
    found = guild.get_member(user_id)
    if found is not None:
        return found
    try:
        return await guild.fetch_member(user_id)
    except (discord.NotFound, discord.Forbidden):
        return None
    except discord.HTTPException:
        return None


async def present_members(guild: discord.Guild, joined: list[str]
                          ) -> dict[str, discord.Member]:
    """Joined user keys -> their member objects, for those still in the server."""
    present = {}
    for key in joined:
        raw = key.removeprefix("discord:")
        if not raw.isdigit():
            continue
        found = await member_of(guild, int(raw))
        if found is not None and not found.bot:
            present[key] = found
    return present


async def asked_members(guild: discord.Guild, words: PickWords,
                        present: dict[str, discord.Member]
                        ) -> tuple[list[str] | None, dict[str, str], str | None]:
    """(user keys asked for, or None for the whole club; extra names of people named who are
    not in the club; a problem). A role stands for its joined members."""
    if not words.users and not words.roles:
        return None, {}, None
    asked, names = [], {}
    for user_id in words.users:
        found = await member_of(guild, user_id)
        if found is None:
            return None, {}, "One of the people named is not in this server."
        if found.bot:
            return None, {}, "Bots have no shelves: name the club's members."
        asked.append(user_key(found))
        names[user_key(found)] = found.display_name
    for role_id in words.roles:
        role = guild.get_role(role_id)
        if role is None or role.is_default():
            return None, {}, ("That role is not one of this server's, or it is everyone: "
                              "leave the names out to pick for the whole club.")
        asked.extend(key for key, found in present.items() if role in found.roles)
    return asked, names, None
