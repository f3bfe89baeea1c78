"""Answers as plain text, for the console (and as the fallback wording for Discord)."""

from __future__ import annotations

from functools import singledispatch

from bot import answers as a

STAR = "★"
DISMISSALS_SHOWN = 30  # newest first; the rest are counted


def books(n: int) -> str:
    return f"{n} book" if n == 1 else f"{n:,} books"


def stars(rating: int | None) -> str:
    return STAR * rating if rating else "no rating"


def byline(book: a.Book) -> str:
    parts = [book.author, book.year]
    return ", ".join(p for p in parts if p)


def book_line(book: a.Book, with_url: bool = True) -> str:
    text = book.title + (f" — {byline(book)}" if byline(book) else "")
    return text + (f" <{book.url}>" if with_url and book.url else "")


SHARED_SEPARATOR = " · "


def both(pages) -> str:
    """'both: J. R. R. Tolkien · high fantasy', or '' when nothing is shared."""
    return ("both: " + SHARED_SEPARATOR.join(pages)) if pages else ""


def did_you_mean(answer: a.NoMatch, prefix: str = "!") -> str:
    if answer.series:
        head = f"“{answer.query}” is a series ({answer.series}); which book?"
    elif answer.ambiguous:
        head = f"“{answer.query}” could be several books; say which:"
    elif answer.options:
        head = f"No book matches “{answer.query}”. Did you mean:"
    else:
        return (f"No book matches “{answer.query}”. Check the spelling, "
                f"or try `{prefix}about <topic>`.")
    return "\n".join([head, *(f"  • {title}" for title in answer.options)])


@singledispatch
def render(answer, prefix: str = "!") -> str:
    raise TypeError(f"no text form for {type(answer).__name__}")


@render.register
def _(answer: a.Problem, prefix: str = "!") -> str:
    return answer.message


@render.register
def _(answer: a.NoMatch, prefix: str = "!") -> str:
    return did_you_mean(answer, prefix)


@render.register
def _(answer: a.SimilarBooks, prefix: str = "!") -> str:
    lines = [f"{answer.heading} {book_line(answer.book, with_url=False)}:"]
    for i, (b, sim) in enumerate(answer.items):
        lines.append(f"{i + 1:>2}. {book_line(b)} ({sim:.2f})")
        if why := both(answer.why(i)):
            lines.append(f"    {why}")
    if answer.note:
        lines.append(answer.note)
    return "\n".join(lines)


@render.register
def _(answer: a.BooksAbout, prefix: str = "!") -> str:
    lines = [f"Books about “{answer.page}”:"]
    lines += [f"{i:>2}. {book_line(b)}" for i, (b, _) in enumerate(answer.items, 1)]
    return "\n".join(lines)


@render.register
def _(answer: a.RelatedPages, prefix: str = "!") -> str:
    lines = [f"Wikipedia pages related to “{answer.page}”:"]
    lines += [f"{i:>2}. {page} ({sim:.2f})" for i, (page, sim) in enumerate(answer.items, 1)]
    return "\n".join(lines)


@render.register
def _(answer: a.BookInfo, prefix: str = "!") -> str:
    book = answer.book
    fields = [*book.facts(), ("Wikipedia", book.url)]
    return "\n".join([book.title, *(f"  {name}: {value}" for name, value in fields if value)])


@render.register
def _(answer: a.Logged, prefix: str = "!") -> str:
    verb = "Updated" if answer.previous is not None else "Logged"
    return f"{verb}: {book_line(answer.book)} ({stars(answer.rating)})"


@render.register
def _(answer: a.Unlogged, prefix: str = "!") -> str:
    if answer.removed:
        return f"Removed {answer.book.title} from your shelf."
    return f"{answer.book.title} is not on your shelf."


@render.register
def _(answer: a.Shelf, prefix: str = "!") -> str:
    if not answer.total:
        return f"Your shelf is empty. Log a book with `{prefix}read <title> [1-5]`."
    lines = [f"Your shelf ({books(answer.total)}, page {answer.page} of {answer.pages}):"]
    for entry in answer.entries:
        lines.append(f"  {entry.read_at:%Y-%m-%d}  {entry.book.title} ({stars(entry.rating)})")
    if answer.page < answer.pages:
        lines.append(f"More: {prefix}shelf {answer.page + 1}")
    return "\n".join(lines)


@render.register
def _(answer: a.Picks, prefix: str = "!") -> str:
    lines = [f"Picks for you (from {books(answer.history_size)} on your shelf):"]
    for i, pick in enumerate(answer.items, 1):
        lines.append(f"{i:>2}. {book_line(pick.book)}")
        reasons = [f"because you read {', '.join(pick.because)}" if pick.because else "",
                   both(pick.shared)]
        if any(reasons):
            lines.append("    " + "; ".join(r for r in reasons if r))
    if answer.note:
        lines.append(answer.note)
    return "\n".join(lines)


@render.register
def _(answer: a.ImportSummary, prefix: str = "!") -> str:
    lines = [f"Imported {len(answer.matched)} read books ({answer.added} new, "
             f"{answer.updated} updated); {len(answer.unmatched)} not found in the catalog; "
             f"{answer.not_read} on other shelves skipped."]
    if answer.dismissed:
        lines.append(f"{books(answer.dismissed)} marked “not for me” again.")
    if answer.truncated:
        lines.append("The file was long, so only its first rows were imported.")
    if answer.unmatched:
        shown = answer.unmatched[:20]
        lines.append("Not found: " + "; ".join(shown)
                     + (f"; and {len(answer.unmatched) - len(shown)} more" if
                        len(answer.unmatched) > len(shown) else ""))
    return "\n".join(lines)


@render.register
def _(answer: a.Export, prefix: str = "!") -> str:
    return answer.csv_text.rstrip("\n")


@render.register
def _(answer: a.ForgetPrompt, prefix: str = "!") -> str:
    if not answer.count and not answer.dismissed:
        return "Nothing is stored for you."
    also = f" and the {books(answer.dismissed)} you marked “not for me”" if answer.dismissed else ""
    return (f"This deletes all {books(answer.count)} on your shelf{also} and cannot be undone. "
            f"To go ahead, send `{prefix}forget confirm`.")


@render.register
def _(answer: a.Forgotten, prefix: str = "!") -> str:
    return f"Done: deleted {books(answer.count)} and everything stored for you."


@render.register
def _(answer: a.MapImage, prefix: str = "!") -> str:
    return f"Map of {answer.book.title}'s neighbourhood saved to {answer.path}"


@render.register
def _(answer: a.Dismissed, prefix: str = "!") -> str:
    titles = ", ".join(book.title for book in answer.books)
    them = "it" if len(answer.books) == 1 else "them"
    return (f"Not for you: {titles}. `{prefix}next` will not pick {them} for you again "
            f"(`{prefix}undismiss <title>` to undo).")


@render.register
def _(answer: a.Undismissed, prefix: str = "!") -> str:
    if answer.removed:
        return f"{answer.book.title} can be picked for you again."
    return f"{answer.book.title} is not among the books you marked “not for me”."


@render.register
def _(answer: a.Dismissals, prefix: str = "!") -> str:
    if not answer.books:
        return "You have marked no book “not for me”."
    shown = answer.books[:DISMISSALS_SHOWN]
    more = len(answer.books) - len(shown)
    return "\n".join([f"Marked “not for me” ({books(len(answer.books))}; "
                      f"{prefix}undismiss <title> to pick one again):",
                      *(f"  • {book.title}" for book in shown),
                      *([f"  … and {more} more"] if more else [])])


@render.register
def _(answer: a.SwitchedUser, prefix: str = "!") -> str:
    return f"Now you are {answer.name}."


@render.register
def _(answer: a.Help, prefix: str = "!") -> str:
    width = max(len(usage) for usage, _ in answer.commands) + len(prefix)
    return "Commands:\n" + "\n".join(f"  {(prefix + usage):<{width}}  {what}"
                                     for usage, what in answer.commands)


# -- book clubs --
def club_because(pick: a.ClubPick) -> str:
    """'Ann read The Hobbit; Bob read Dune, Emma': the reads behind a pick, per member."""
    return "; ".join(f"{name} read {', '.join(titles[:2])}"
                     for name, titles in pick.because.items() if titles)


def club_pick_line(answer: a.ClubPicks, pick: a.ClubPick) -> str:
    """'suits 2 of 3 members (Ann, Bob) · both: J. R. R. Tolkien'."""
    line = f"{answer.suits_line(pick)} ({', '.join(pick.suits)})"
    return line + (f" · {both(pick.shared)}" if pick.shared else "")


@render.register
def _(answer: a.ClubMembership, prefix: str = "!") -> str:
    size = f"The club has {answer.members} member{'s' if answer.members != 1 else ''}."
    if answer.joined:
        head = ("You joined this server's book club: your shelf now counts in its picks."
                if answer.changed else "You are in this server's book club already.")
    else:
        head = ("You left this server's book club: your shelf no longer counts here."
                if answer.changed else "You were not in this server's book club.")
    return f"{head} {size}"


@render.register
def _(answer: a.ClubPicks, prefix: str = "!") -> str:
    lines = [f"Picks for the club ({', '.join(answer.members)}):"]
    for i, pick in enumerate(answer.items, 1):
        lines.append(f"{i:>2}. {book_line(pick.book)}")
        lines.append(f"    {club_pick_line(answer, pick)}")
        if because := club_because(pick):
            lines.append(f"    {because}")
    lines.extend(answer.notes)
    return "\n".join(lines)


@render.register
def _(answer: a.ClubShelf, prefix: str = "!") -> str:
    lines = [f"The club's shelf ({answer.members} member{'s' if answer.members != 1 else ''}):"]
    lines.append("Current book: " + (book_line(answer.current, with_url=False)
                                     if answer.current else "none yet"))
    if answer.most_read:
        lines.append("Most read:")
        lines.extend(f"  {book.title} · {n} read it" for book, n in answer.most_read)
    if answer.best_rated:
        lines.append("Best rated:")
        lines.extend(f"  {book.title} · {mean:.1f} from {n}" for book, mean, n in answer.best_rated)
    if not answer.most_read:
        lines.append(f"Nothing read yet: members log books with `{prefix}read <title>`.")
    return "\n".join(lines)


@render.register
def _(answer: a.ClubWho, prefix: str = "!") -> str:
    lines = [f"Who in the club might like {answer.book.title}:"]
    lines.extend(f"  {name} · {sim:.2f} (near {read})" for name, sim, read in answer.closest)
    if answer.read_it:
        lines.append("Read it already: " + ", ".join(answer.read_it))
    if not answer.closest and not answer.read_it:
        lines.append("No member's shelf is close to it yet.")
    return "\n".join(lines)


@render.register
def _(answer: a.ClubCurrent, prefix: str = "!") -> str:
    if answer.book is None:
        return f"The club has no current book yet: set one with `{prefix}club current <title>`."
    head = "The club's current book is now" if answer.set_now else "The club is reading"
    return f"{head} {book_line(answer.book)}."
