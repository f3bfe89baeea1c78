"""Answers as Discord messages: embeds with Wikipedia links, every piece within Discord's limits,
and every bit of user or catalog text escaped so it can neither format nor mention."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from functools import singledispatch

import discord

from bot import answers as a
from bot.render_text import books, both, byline, club_because, club_pick_line, stars
from bot.render_text import render as render_text

MESSAGE_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
LINES_PER_PAGE = 10
COLOUR = discord.Colour.from_rgb(51, 102, 153)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def unclip(text: str, titles) -> str | None:
    """The one title of `titles` that `clip` could have cut to `text` (None if none or several)."""
    if text in titles:
        return text
    if not text.endswith("…"):
        return None
    found = [t for t in titles if t.startswith(text[:-1]) and clip(t, len(text)) == text]
    return found[0] if len(found) == 1 else None


def unmention(text: str) -> str:
    """Every @ followed by a zero-width space: no @everyone, @here, <@id>, <@&id> can form,
    whatever the id looks like (escape_mentions only knows real-length snowflakes)."""
    return str(text).replace("@", "@\u200b")


def safe(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """Text shown as is: markdown and mentions neutralised, then cut to fit."""
    return clip(unmention(discord.utils.escape_markdown(str(text))), limit)


def link(book: a.Book) -> str:
    # Parentheses would end a markdown link early ("Wonderful_Life_(book)").
    url = book.url.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
    title = safe(book.title, 200).replace("[", "(").replace("]", ")")
    return f"[{title}]({url})" if url.startswith("https://") else title


@dataclass
class Reply:
    """One message: text and/or embeds, an optional file; `pages` for paged answers."""
    content: str | None = None
    embed: discord.Embed | None = None
    file: discord.File | None = None
    pages: list[discord.Embed] = field(default_factory=list)
    private: bool = False  # ephemeral when answered through a slash command


def embed(title: str, lines: list[str], footer: str = "", url: str = "") -> discord.Embed:
    """An embed from lines, adding lines while the description and the total stay in bounds."""
    title = safe(title, TITLE_LIMIT)  # titles can hold user text ("Books about <topic>")
    footer = clip(footer, FOOTER_LIMIT)
    budget = min(DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - len(title) - len(footer))
    description, shown = "", 0
    for line in lines:
        line = clip(line, 1000)
        candidate = f"{description}\n{line}" if description else line
        if len(candidate) > budget - 20:
            break
        description, shown = candidate, shown + 1
    if shown < len(lines):
        description += f"\n… and {len(lines) - shown} more"
    result = discord.Embed(title=title, description=description, colour=COLOUR,
                           url=url if url.startswith("https://") else None)
    if footer:
        result.set_footer(text=footer)
    return result


def paged(title: str, lines: list[str], footer: str = "", url: str = "") -> Reply:
    chunks = [lines[i:i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)] or [[]]
    pages = []
    for n, chunk in enumerate(chunks, 1):
        page_footer = footer + (f" · page {n}/{len(chunks)}" if len(chunks) > 1 else "")
        pages.append(embed(title, chunk, page_footer.strip(" ·"), url))
    return Reply(embed=pages[0], pages=pages if len(pages) > 1 else [])


def book_row(n: int, book: a.Book, extra: str = "") -> str:
    who = safe(byline(book), 200)
    return (f"**{n}.** {link(book)}" + (f" — {who}" if who else "")
            + (f" · {extra}" if extra else ""))


@singledispatch
def render(answer, prefix: str = "!") -> Reply:
    # Answers without a richer form: their plain text, escaped.
    return Reply(content=safe(render_text(answer, prefix)))


WHY_LIMIT = 200  # characters of an evidence line: ten lines stay far inside an embed


def why_line(text: str) -> str:
    return f"\n  {safe(text, WHY_LIMIT)}" if text else ""


@render.register
def _(answer: a.SimilarBooks, prefix: str = "!") -> Reply:
    lines = [book_row(i + 1, b, f"{sim:.2f}") + why_line(both(answer.why(i)))
             for i, (b, sim) in enumerate(answer.items)]
    if answer.note:
        lines.append(safe(answer.note))
    return paged(f"{answer.heading} {answer.book.title}", lines, "similarity from Wikipedia links",
                 answer.book.url)


@render.register
def _(answer: a.BooksAbout, prefix: str = "!") -> Reply:
    lines = [book_row(i, b) for i, (b, _) in enumerate(answer.items, 1)]
    return paged(f"Books about {answer.page}", lines)


@render.register
def _(answer: a.RelatedPages, prefix: str = "!") -> Reply:
    lines = [f"**{i}.** {safe(page, 300)} · {sim:.2f}"
             for i, (page, sim) in enumerate(answer.items, 1)]
    return paged(f"Pages related to {answer.page}", lines)


@render.register
def _(answer: a.Picks, prefix: str = "!") -> Reply:
    lines = []
    for i, pick in enumerate(answer.items, 1):
        because = ", ".join(pick.because)
        lines.append(book_row(i, pick.book)
                     + (f"\n  because you read {safe(because, 300)}" if because else "")
                     + why_line(both(pick.shared)))
    if answer.note:
        lines.append(safe(answer.note))
    return paged("Picks for you", lines, f"from {books(answer.history_size)} on your shelf")


@render.register
def _(answer: a.BookInfo, prefix: str = "!") -> Reply:
    book = answer.book
    result = embed(book.title, [], url=book.url)
    for name, value in book.facts():
        result.add_field(name=name, value=safe(value, FIELD_VALUE_LIMIT), inline=True)
    if book.url:
        result.add_field(name="Wikipedia", value=link(book), inline=False)
    return Reply(embed=result)


@render.register
def _(answer: a.Logged, prefix: str = "!") -> Reply:
    verb = "Updated" if answer.previous is not None else "Logged"
    who = safe(byline(answer.book), 300)
    return Reply(embed=embed(f"{verb}: {answer.book.title}",
                             [f"{link(answer.book)}" + (f" — {who}" if who else ""),
                              f"Rating: {stars(answer.rating)}"], url=answer.book.url))


@render.register
def _(answer: a.Shelf, prefix: str = "!") -> Reply:
    if not answer.total:
        return Reply(content=safe(render_text(answer, prefix)))
    lines = [f"`{e.read_at:%Y-%m-%d}` {link(e.book)} · {stars(e.rating)}" for e in answer.entries]
    return Reply(embed=embed("Your shelf", lines,
                             f"{books(answer.total)} · page {answer.page}/{answer.pages}"))


@render.register
def _(answer: a.Export, prefix: str = "!") -> Reply:
    data = io.BytesIO(answer.csv_text.encode("utf-8"))
    return Reply(content=f"Your shelf: {books(answer.count)}.",
                 file=discord.File(data, filename=answer.filename), private=True)


@render.register
def _(answer: a.MapImage, prefix: str = "!") -> Reply:
    return Reply(content=safe(f"The neighbourhood of {answer.book.title}"),
                 file=discord.File(answer.path, filename="map.png"))


@render.register
def _(answer: a.Help, prefix: str = "!") -> Reply:
    lines = [f"`{prefix}{usage}` — {what}" for usage, what in answer.commands]
    return Reply(embed=embed("wikishelf commands", lines, "also as /slash commands"))


@render.register
def _(answer: a.ClubPicks, prefix: str = "!") -> Reply:
    lines = [book_row(i, pick.book) + why_line(club_pick_line(answer, pick))
             + why_line(club_because(pick)) for i, pick in enumerate(answer.items, 1)]
    lines.extend(safe(note, 500) for note in answer.notes)
    # Footers show no markdown, but must not hold a mention-looking name either.
    return paged("Picks for the club", lines, clip(unmention("for " + ", ".join(answer.members)), 500))


# Discord's poll limits: answers, characters of an answer and of the question, hours it runs.
POLL_ANSWERS, POLL_ANSWER_LIMIT, POLL_QUESTION_LIMIT, POLL_MAX_HOURS = 10, 55, 300, 768
# How the bot knows its own club polls when Discord says one has ended (bot/cog.py).
CLUB_POLL_QUESTION = "Our next book? (picked from the members' shelves)"


def club_poll(answer: a.ClubPicks, hours: int) -> discord.Poll:
    """The picks as a native poll the club votes on: at most 10 titles, each cut to fit.
    Poll text is shown as is (no markdown, no mentions), so titles need no escaping."""
    hours = max(1, min(POLL_MAX_HOURS, int(hours)))
    poll = discord.Poll(question=clip(CLUB_POLL_QUESTION, POLL_QUESTION_LIMIT),
                        duration=dt.timedelta(hours=hours))
    for pick in answer.items[:POLL_ANSWERS]:
        poll.add_answer(text=clip(pick.book.title, POLL_ANSWER_LIMIT))
    return poll
