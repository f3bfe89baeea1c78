"""Writes engine/quality/data/typed_titles.tsv: titles as people type them, made from real
catalog books.

    .venv/bin/python scripts/build_typed_titles.py [--model models/default]

Each kind of damage is applied to books drawn at random (fixed seed) from the catalog, and only
where the answer stays knowable: a book whose name is shared by another is asked for with its
author. Uniqueness is judged with a plain fold written here, not with the resolver under test.
A hand-written list of well-known books follows. Re-running gives the same file.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

from engine import settings
from engine.model_dir import open_model
from engine.quality.title_sets import TYPED_TITLES as OUT

NOTE = re.compile(r"\s*\(([^()]*)\)$")
SPELLED_OUT = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d"})
CYRILLIC = str.maketrans({"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х"})

# Well-known books of the catalog, typed loosely: (query, catalog title, kind).
FAMOUS = [
    ("the hobbit", "The Hobbit", "famous"),
    ("hobbit", "The Hobbit", "famous"),
    ("hunger games", "The Hunger Games (novel)", "famous"),
    ("the hunger games by suzanne collins", "The Hunger Games (novel)", "famous"),
    ("war and peace by tolstoy", "War and Peace", "famous"),
    ("tolstoy - war and peace", "War and Peace", "famous"),
    ("War and Peace, Leo Tolstoy", "War and Peace", "famous"),
    ("war and peace (tolstoy)", "War and Peace", "famous"),
    ("beren and luthien", "Beren and Lúthien", "famous"),
    ("the road by jack london", "The Road (London book)", "famous"),
    ("the road cormac mccarthy", "The Road", "famous"),
    ("The Hobbit (Middle-earth Universe, #0)", "The Hobbit", "famous"),
    ("harry potter and the philosophers stone", "Harry Potter and the Philosopher's Stone",
     "famous"),
    ("Harry Potter and the Prisoner of Azkaban (Harry Potter, #3)",
     "Harry Potter and the Prisoner of Azkaban", "famous"),
    ("harry potter and the goblet of fire", "Harry Potter and the Goblet of Fire", "famous"),
    ("pride and prejudice", "Pride and Prejudice", "famous"),
    ("prdie and prejudice", "Pride and Prejudice", "famous"),
    ("the great gatsby", "The Great Gatsby", "famous"),
    ("great gatsby fitzgerald", "The Great Gatsby", "famous"),
    ("nineteen eighty-four", "Nineteen Eighty-Four", "famous"),
    ("to kill a mockingbird", "To Kill a Mockingbird", "famous"),
    ("to kill a mocking bird", "To Kill a Mockingbird", "famous"),
    ("the fellowship of the ring", "The Fellowship of the Ring", "famous"),
    ("fellowship of the ring tolkien", "The Fellowship of the Ring", "famous"),
    ("the two towers", "The Two Towers", "famous"),
    ("the return of the king", "The Return of the King", "famous"),
    ("the silmarillion", "The Silmarillion", "famous"),
    ("the hitchhiker's guide to the galaxy", "The Hitchhiker's Guide to the Galaxy (novel)",
     "famous"),
    ("hitchhikers guide to the galaxy douglas adams",
     "The Hitchhiker's Guide to the Galaxy (novel)", "famous"),
    ("the selfish gene", "The Selfish Gene", "famous"),
    ("the blank slate", "The Blank Slate", "famous"),
    ("the blank slate by steven pinker", "The Blank Slate", "famous"),
    ("the better angels of our nature", "The Better Angels of Our Nature", "famous"),
    ("catch 22", "Catch-22", "famous"),
    ("brave new world", "Brave New World", "famous"),
    ("fahrenheit 451", "Fahrenheit 451", "famous"),
    ("slaughterhouse five", "Slaughterhouse-Five", "famous"),
    ("one hundred years of solitude", "One Hundred Years of Solitude", "famous"),
    ("crime and punishment", "Crime and Punishment", "famous"),
    ("the brothers karamazov", "The Brothers Karamazov", "famous"),
    ("moby dick", "Moby-Dick", "famous"),
    ("frankenstein mary shelley", "Frankenstein", "famous"),
    ("the catcher in the rye", "The Catcher in the Rye", "famous"),
    ("lord of the flies", "Lord of the Flies", "famous"),
    ("the da vinci code", "The Da Vinci Code", "famous"),
    ("the girl with the dragon tattoo", "The Girl with the Dragon Tattoo", "famous"),
    ("nemesis by agatha christie", "Nemesis (Christie novel)", "famous"),
    ("inferno by dan brown", "Inferno (Brown novel)", "famous"),
    ("twilight stephenie meyer", "Twilight (Meyer novel)", "famous"),
    ("foundation asimov", "Foundation (Asimov novel)", "famous"),
]


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower().replace("&", "and")
    text = re.sub(r"['’]", "", text)
    return re.sub(r"^(the|a|an) ", "", re.sub(r"[^a-z0-9]+", " ", text).strip())


def split_note(title: str) -> tuple[str, str]:
    match = NOTE.search(title)
    return (title[:match.start()], match.group(1)) if match and match.start() else (title, "")


def surname(author: str) -> str:
    first = re.split(r",| and | & ", author)[0].strip()
    return first.split()[-1] if first.split() else ""


def typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(["swap", "drop", "double", "swap"])
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == "drop":
        return word[:i] + word[i + 1:]
    return word[:i] + word[i] + word[i:]


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c
                   for c in text)


def build(model: Path, seed: int = 7) -> list[tuple[str, str, str]]:
    files = open_model(model)
    titles = files.titles
    authors = [m.get("author", "") for m in files.meta]
    by_base = defaultdict(list)
    for i, t in enumerate(titles):
        by_base[fold(split_note(t)[0])].append(i)
    # Every main title too, so that "Freud" is not thought unique when three books start so.
    mains = defaultdict(set)
    for i, t in enumerate(titles):
        base = split_note(t)[0]
        mains[fold(base.split(": ")[0])].add(i)
        mains[fold(base)].add(i)

    def unique(i: int) -> bool:
        key = fold(split_note(titles[i])[0])
        return len(by_base[key]) == 1 and mains[key] == {i} and len(key) >= 4

    rng = random.Random(seed)
    order = list(range(len(titles)))
    rng.shuffle(order)
    out: list[tuple[str, str, str]] = []

    def take(kind: str, count: int, make) -> None:
        made = 0
        for i in order:
            if made == count:
                return
            query = make(i)
            if query and query.strip() and query != titles[i]:
                out.append((query, titles[i], kind))
                made += 1

    def plain(i):  # the display title without its disambiguator, only for unique names
        return split_note(titles[i])[0] if unique(i) else None

    take("lowercase", 12, lambda i: (plain(i) or "").lower())
    take("uppercase", 8, lambda i: (plain(i) or "").upper())
    take("accents", 15, lambda i: unicodedata.normalize(
        "NFKD", (plain(i) or "").translate(SPELLED_OUT)).encode("ascii", "ignore").decode()
        if not (plain(i) or "a").isascii() else None)
    take("curly quotes", 12, lambda i: "“" + plain(i).replace("'", "’") + "”"
         if plain(i) and "'" in plain(i) else None)
    take("full width", 10,
         lambda i: full_width(plain(i)) if plain(i) and len(plain(i)) < 30 else None)
    take("look-alikes", 10, lambda i: plain(i).translate(CYRILLIC) if plain(i) else None)
    take("extra spaces", 10, lambda i: "  ".join(plain(i).split()) + " " if plain(i) else None)
    take("missing space", 12, lambda i: re.sub(r"(\w) (\w{4,})", r"\1\2", plain(i), count=1)
         if plain(i) and len(plain(i).split()) >= 3 else None)
    take("punctuation", 15, lambda i: re.sub(r"[^\w\s]", "", plain(i)) + rng.choice(["", "!", "?"])
         if plain(i) and re.search(r"[^\w\s]", plain(i)) else None)

    def typo_of(i):
        title = plain(i)
        words = [w for w in (title or "").split() if len(w) >= 5 and w.isalpha()]
        if not title or len(title) < 12 or not words:
            return None
        word = rng.choice(words)
        return title.replace(word, typo(word, rng), 1).lower()

    take("typo", 45, typo_of)
    take("article missing", 15, lambda i: re.sub(r"^(The|A|An) ", "", plain(i))
         if plain(i) and re.match(r"(The|A|An) \w", plain(i)) else None)
    take("article added", 12, lambda i: "the " + plain(i).lower()
         if plain(i) and not re.match(r"(The|A|An) ", plain(i)) and len(plain(i)) > 8 else None)
    take("disambiguator left off", 20, lambda i: plain(i) if split_note(titles[i])[1] else None)

    def no_subtitle(i):
        base, note = split_note(titles[i])
        head, sep, tail = base.partition(": ")
        derived = {"companion", "guide", "readers", "essays", "encyclopedia", "handbook"}
        if note or not sep or len(head) < 6 or derived & set(fold(tail).split()):
            return None
        return head if mains[fold(head)] == {i} else None

    take("subtitle left off", 20, no_subtitle)

    def dropped_small_words(i):
        title = plain(i)
        words = (title or "").split()
        kept = [w for w in words if w.lower() not in {"and", "the", "of", "a"}]
        return " ".join(kept).lower() if len(words) >= 4 and 2 <= len(kept) < len(words) else None

    take("small words left out", 12, dropped_small_words)
    take("goodreads series note", 15, lambda i: f"{plain(i)} ({plain(i).split()[-1]} Saga, "
         f"#{rng.randint(1, 5)})" if plain(i) else None)

    def with_author(i, shape):
        base, _ = split_note(titles[i])
        name = authors[i]
        last = surname(name)
        if not name or len(last) < 3 or len(by_base[fold(base)]) > 1:
            return None
        return shape.format(t=base, a=name, s=last)

    for shape, count in (("{t} by {s}", 10), ("{s} - {t}", 8), ("{t}, {a}", 8), ("{t} ({s})", 6),
                         ("{a} {t}", 6), ("{t} by {a}", 8), ("{t} – {a}", 4)):
        take(f"with author: {shape}", count, lambda i, shape=shape: with_author(i, shape))

    def same_name(i):  # several books share the name: only the author can pick
        base, _ = split_note(titles[i])
        group = by_base[fold(base)]
        names = {surname(authors[j]).lower() for j in group}
        last = surname(authors[i])
        if len(group) < 2 or len(last) < 3 or len(names) < len(group):
            return None
        return rng.choice(["{t} by {s}", "{s}, {t}", "{t} ({a})", "{t} by {a}"]).format(
            t=base.lower(), s=last, a=authors[i])

    take("same name, author decides", 30, same_name)
    catalog = set(titles)
    out += [row for row in FAMOUS if row[1] in catalog]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=settings.default_model_dir())
    args = parser.parse_args()
    rows = build(args.model)
    with OUT.open("w", encoding="utf-8") as f:
        f.write("query\texpected\tkind\n")
        for query, expected, kind in rows:
            f.write(f"{query}\t{expected}\t{kind}\n")
    print(f"{len(rows)} queries -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
