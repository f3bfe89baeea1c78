"""The blind reader panel: wikishelf's `similar` lists against TF-IDF item-kNN's, judged side by
side by readers who see only titles and authors (docs/panel/README.md says how to run it).

    books    the fixed book list (docs/panel/books.txt) from goodbooks-10k and a model's catalog
    prepare  both systems' top-5 lists, the blinded sheets and the key that unblinds them
    score    the judges' verdict files, unblinded: win/tie/loss, a sign test, pick labels
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine import settings
from engine.errors import WikishelfError
from engine.model_dir import ModelFiles, open_model
from engine.text import normalise, strip_article

PANEL_DIR = settings.PROJECT_ROOT / "docs" / "panel"
BOOKS_FILE = "books.txt"
LISTS_FILE = "lists.tsv"
KEY_FILE = "key.tsv"
SHEET = "sheet_{}.md"
VERDICTS = "verdict_*.tsv"
GUIDES = ("RUBRIC.md", "JUDGE.md")  # copied into every later round's folder
SYSTEMS = ("wikishelf", "tfidf")
PICKS = 5
CHUNKS = 4
BLIND_SEED = 12  # issue 12: the A/B order of every book
LABELS = ("good", "ok", "embarrassing")
PREFERENCES = ("A", "B", "tie")
VERDICT_COLUMNS = ("item", "A", "B", "prefer", "reason")


class PanelError(WikishelfError):
    """Bad panel input (a verdict file, a book list): the message says what and where."""


# ---------------------------------------------------------------- the fixed book list
PER_GENRE = 20
# A book's panel genre, from the catalog's free-text genre field: the first group with a word
# in it, in this order (so "science fantasy" is SF, "true crime" crime, "children's fantasy"
# children's); anything else, no genre included, is "other fiction".
GENRE_GROUPS = (
    ("children's", ("children", "picture book")),
    ("sf/fantasy", ("science fiction", "fantasy", "dystop", "apocalyp")),
    ("crime/thriller/horror", ("thriller", "mystery", "crime", "detective", "horror", "suspense")),
    ("non-fiction", ("biograph", "memoir", "non-fiction", "nonfiction", "essay", "self-help",
                     "history", "philosophy", "journalism", "travel")),
)
OTHER_GENRE = "other fiction"
_NOTE = re.compile(r"\s*\([^()]*\)$")  # "(novel)", "(Harry Potter, #1)"


def panel_genre(genre: str | None) -> str:
    text = (genre or "").lower()
    for name, words in GENRE_GROUPS:
        if any(word in text for word in words):
            return name
    return OTHER_GENRE


def _title_key(title: str) -> str:
    return strip_article(normalise(_NOTE.sub("", title)))


def _surname(authors: str) -> str:
    words = normalise(authors.split(",")[0]).split()
    return words[-1] if words else ""


def choose_books(goodbooks_rows: list[dict], titles: list[str], meta: list[dict],
                 degrees: np.ndarray, per_genre: int = PER_GENRE) -> list[str]:
    """The rule of docs/panel/README.md: Goodreads' most-rated books first; a book counts when
    its original title (else its Goodreads title) names exactly one catalog book, up to case,
    punctuation, a leading article and a disambiguator, whose author has the first Goodreads
    author's surname, and that book has links; one book per author; the first `per_genre` of
    each panel genre. Returned in Goodreads order, so every chunk of the list mixes genres."""
    by_key = defaultdict(list)
    for i, title in enumerate(titles):
        by_key[_title_key(title)].append(i)
    rows = sorted(goodbooks_rows, key=lambda r: -int(r["ratings_count"]))
    chosen, authors, taken = [], set(), Counter()
    for row in rows:
        surname = _surname(row["authors"])
        matches = []
        for name in (row["original_title"].strip(), row["title"].strip()):
            matches = [i for i in by_key.get(_title_key(name), []) if name and surname
                       and surname in normalise(meta[i].get("author", "")).split()]
            if matches:
                break
        if len(matches) != 1 or degrees[matches[0]] == 0 or surname in authors:
            continue
        book = matches[0]
        genre = panel_genre(meta[book].get("genre"))
        if taken[genre] == per_genre or titles[book] in chosen:
            continue
        taken[genre] += 1
        authors.add(surname)
        chosen.append(titles[book])
    return chosen


def read_goodbooks(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def read_books(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# ---------------------------------------------------------------- the two systems' lists
@dataclass(frozen=True)
class Pick:
    title: str
    author: str


def _pick(meta: dict, title: str) -> Pick:
    return Pick(title, meta.get("author") or "unknown author")


def wikishelf_lists(recommender, books: list[str], k: int = PICKS) -> dict[str, list[Pick]]:
    """Each book's `similar` answer exactly as the bot asks for it."""
    return {book: [_pick(n.meta, n.title) for n in recommender.similar(book, k=k)]
            for book in books}


def tfidf_lists(files: ModelFiles, books: list[str], k: int = PICKS) -> dict[str, list[Pick]]:
    """TF-IDF item-kNN on the model's own (book, page) pairs: the k highest positive cosines,
    the book itself left out, ties broken by catalog row so reruns agree."""
    from engine.quality.methods import TfidfKnn

    fitted = TfidfKnn().fit(files.pairs, len(files.titles), len(files.pages))
    vectors = fitted.book_vectors
    rows = {t: i for i, t in enumerate(files.titles)}
    lists = {}
    for book in books:
        row = rows[book]
        sims = np.asarray((vectors[row] @ vectors.T).todense()).ravel()
        sims[row] = -np.inf
        order = np.lexsort((np.arange(len(sims)), -sims))[:k]
        lists[book] = [_pick(files.meta[i], files.titles[i]) for i in order if sims[i] > 0]
    return lists


def check_books(books: list[str], titles: list[str]) -> None:
    missing = [b for b in books if b not in set(titles)]
    if missing:
        raise PanelError(f"{len(missing)} panel books are not in this model's catalog: "
                         + "; ".join(missing[:5]))


# ---------------------------------------------------------------- blinding
@dataclass(frozen=True)
class Item:
    """One book on one sheet: which system's list is shown as A and which as B."""
    number: str
    sheet: int
    book: str
    author: str
    a: str
    b: str


def blind(books: list[str], authors: dict[str, str], seed: int = BLIND_SEED,
          chunks: int = CHUNKS) -> list[Item]:
    """Items numbered in book-list order, cut into `chunks` sheets of near-equal size; each
    book's A/B order is a coin flip from one generator seeded with `seed`."""
    rng = random.Random(seed)
    size = math.ceil(len(books) / chunks)
    items = []
    for i, book in enumerate(books):
        a, b = SYSTEMS if rng.random() < 0.5 else SYSTEMS[::-1]
        items.append(Item(f"{i + 1:03d}", i // size + 1, book, authors[book], a, b))
    return items


def sheet_text(sheet: int, sheets: int, items: list[Item],
               lists: dict[str, dict[str, list[Pick]]]) -> str:
    lines = [f"# Sheet {sheet} of {sheets}", "",
             f"Judge every book below by RUBRIC.md and write `verdict_{sheet}.tsv` as JUDGE.md "
             "says.", ""]
    for item in items:
        lines += [f"## {item.number} · {item.book} — {item.author}", ""]
        for side, system in (("A", item.a), ("B", item.b)):
            picks = lists[system][item.book]
            lines.append(f"List {side}")
            lines += [f"{rank}. {p.title} — {p.author}" for rank, p in enumerate(picks, 1)]
            lines += ["(no picks)"] if not picks else []
            lines.append("")
    return "\n".join(lines)


def _tsv_field(text: str) -> str:
    if any(c in text for c in "\t\r\n"):
        raise PanelError(f"a tab or line break in {text!r}")
    return text


def _write_tsv(path: Path, header: tuple, rows: list[tuple]) -> None:
    lines = ["\t".join(header)] + ["\t".join(_tsv_field(str(v)) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_panel(out: Path, items: list[Item], lists: dict[str, dict[str, list[Pick]]]) -> None:
    """lists.tsv, key.tsv and one sheet per chunk into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    by_item = {item.book: item.number for item in items}
    _write_tsv(out / LISTS_FILE, ("system", "item", "book", "rank", "title", "author"),
               [(system, by_item[book], book, rank, p.title, p.author)
                for system in SYSTEMS for book in by_item
                for rank, p in enumerate(lists[system][book], 1)])
    _write_tsv(out / KEY_FILE, ("item", "sheet", "book", "A", "B"),
               [(i.number, i.sheet, i.book, i.a, i.b) for i in items])
    sheets = max(i.sheet for i in items)
    for sheet in range(1, sheets + 1):
        chunk = [i for i in items if i.sheet == sheet]
        (out / SHEET.format(sheet)).write_text(sheet_text(sheet, sheets, chunk, lists),
                                               encoding="utf-8")


def round_dir(number: int, panel: Path = PANEL_DIR) -> Path:
    """Round 1 is docs/panel itself (kept as judged); a later round has its own folder."""
    return panel if number == 1 else panel / f"round{number}"


def round_seed(number: int) -> int:
    """Fresh blinding per round: round 1 used BLIND_SEED, round n uses BLIND_SEED + n - 1."""
    return BLIND_SEED + number - 1


def prepare_round(model_dir: Path, books: list[str], number: int,
                  panel: Path = PANEL_DIR) -> tuple[Path, dict]:
    """A new round of the same books into its own folder, with new A/B sides and copies of the
    rubric and the judges' instructions; refuses a folder that already holds verdicts."""
    if number < 2:
        raise PanelError("round 1 is docs/panel as judged; a new round is 2 or more")
    out = round_dir(number, panel)
    if any(out.glob(VERDICTS)):
        raise PanelError(f"{out} already holds verdicts; it is not rewritten")
    shown = prepare(model_dir, books, out, round_seed(number))
    for name in GUIDES:
        (out / name).write_text((panel / name).read_text(encoding="utf-8"), encoding="utf-8")
    return out, shown


def prepare(model_dir: Path, books: list[str], out: Path, seed: int = BLIND_SEED) -> dict:
    from engine.serve.recommender import Recommender

    recommender = Recommender.load(model_dir)
    check_books(books, recommender.titles)
    rows = recommender.title_to_id
    authors = {b: _pick(recommender.meta[rows[b]], b).author for b in books}
    lists = {"wikishelf": wikishelf_lists(recommender, books),
             "tfidf": tfidf_lists(recommender.files, books)}
    write_panel(out, blind(books, authors, seed), lists)
    return {system: sum(len(v) for v in lists[system].values()) for system in SYSTEMS}


# ---------------------------------------------------------------- reading it back
def _read_tsv(path: Path, header: tuple) -> list[tuple[int, list[str]]]:
    """(line number, fields) of each non-blank row after the header; PanelError on a wrong
    header or a row of the wrong width."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise PanelError(f"{path.name}: cannot read it ({error})") from error
    if not lines or tuple(lines[0].rstrip("\r").split("\t")) != header:
        raise PanelError(f"{path.name}: the first line must be the header "
                         f"{chr(9).join(header)!r} (tab-separated)")
    rows = []
    for number, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        fields = line.rstrip("\r").split("\t")
        if len(fields) != len(header):
            raise PanelError(f"{path.name} line {number}: {len(fields)} tab-separated fields, "
                             f"expected {len(header)}")
        rows.append((number, fields))
    return rows


def read_key(out: Path) -> dict[str, Item]:
    rows = _read_tsv(out / KEY_FILE, ("item", "sheet", "book", "A", "B"))
    return {f[0]: Item(f[0], int(f[1]), f[2], "", f[3], f[4]) for _, f in rows}


def read_lists(out: Path) -> dict[str, dict[str, list[Pick]]]:
    rows = _read_tsv(out / LISTS_FILE, ("system", "item", "book", "rank", "title", "author"))
    lists: dict[str, dict[str, list[Pick]]] = {system: defaultdict(list) for system in SYSTEMS}
    for _, (system, _item, book, _rank, title, author) in sorted(
            rows, key=lambda r: (r[1][0], r[1][2], int(r[1][3]))):
        lists[system][book].append(Pick(title, author))
    return lists


@dataclass(frozen=True)
class Verdict:
    item: str
    labels: dict[str, tuple[str, ...]]  # system -> one label per shown pick, in order
    winner: str | None  # a system, or None for a tie
    reason: str


def _labels(text: str, shown: int, where: str, side: str) -> tuple[str, ...]:
    labels = () if text.strip() == "-" else tuple(x.strip() for x in text.split(","))
    bad = [x for x in labels if x not in LABELS]
    if bad:
        raise PanelError(f"{where}: list {side} label {bad[0]!r} is not one of "
                         f"{', '.join(LABELS)}")
    if len(labels) != shown:
        raise PanelError(f"{where}: list {side} has {shown} picks on the sheet but "
                         f"{len(labels)} labels")
    return labels


def read_verdict_file(path: Path, key: dict[str, Item],
                      lists: dict[str, dict[str, list[Pick]]]) -> list[Verdict]:
    """One judge's verdicts, checked whole against the sheet it answers: every item of that
    sheet once, one valid label per shown pick, a valid preference. PanelError otherwise."""
    match = re.fullmatch(r"verdict_(\d+)\.tsv", path.name)
    if not match:
        raise PanelError(f"{path.name}: verdict files are named verdict_N.tsv")
    sheet = int(match.group(1))
    expected = {n for n, item in key.items() if item.sheet == sheet}
    if not expected:
        raise PanelError(f"{path.name}: there is no sheet {sheet}")
    verdicts = {}
    for number, (item_no, a, b, prefer, reason) in _read_tsv(path, VERDICT_COLUMNS):
        where = f"{path.name} line {number}"
        item_no = item_no.strip()
        if item_no not in expected:
            raise PanelError(f"{where}: item {item_no!r} is not on sheet {sheet}")
        if item_no in verdicts:
            raise PanelError(f"{where}: item {item_no} is judged twice")
        item = key[item_no]
        prefer = prefer.strip()
        if prefer not in PREFERENCES:
            raise PanelError(f"{where}: preference {prefer!r} is not one of "
                             f"{', '.join(PREFERENCES)}")
        labels = {item.a: _labels(a, len(lists[item.a][item.book]), where, "A"),
                  item.b: _labels(b, len(lists[item.b][item.book]), where, "B")}
        winner = {"A": item.a, "B": item.b}.get(prefer)
        verdicts[item_no] = Verdict(item_no, labels, winner, reason.strip())
    left_out = sorted(expected - set(verdicts))
    if left_out:
        raise PanelError(f"{path.name}: no verdict for items {', '.join(left_out[:10])}"
                         + (" …" if len(left_out) > 10 else ""))
    return [verdicts[n] for n in sorted(verdicts)]


# ---------------------------------------------------------------- scoring
def sign_test(wins: int, losses: int) -> float:
    """Two-sided exact sign test (ties already dropped): the chance, with each side equally
    likely, of a split at least this uneven."""
    n = wins + losses
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(wins, losses) + 1))
    return min(1.0, 2 * tail / 2 ** n)


@dataclass
class Score:
    wins: int  # books where the readers preferred wikishelf's list
    ties: int
    losses: int
    p_value: float
    labels: dict[str, Counter]
    embarrassing: dict[str, list[tuple[str, Pick]]]  # system -> (book, pick)
    sheets: list[int]

    def share(self, system: str) -> float:
        shown = sum(self.labels[system].values())
        return self.labels[system]["embarrassing"] / shown if shown else 0.0


def score(verdicts: list[Verdict], key: dict[str, Item],
          lists: dict[str, dict[str, list[Pick]]]) -> Score:
    outcome = Counter(v.winner for v in verdicts)
    labels = {system: Counter({label: 0 for label in LABELS}) for system in SYSTEMS}
    embarrassing = {system: [] for system in SYSTEMS}
    for verdict in verdicts:
        book = key[verdict.item].book
        for system, marks in verdict.labels.items():
            labels[system].update(marks)
            embarrassing[system] += [(book, pick) for pick, mark
                                     in zip(lists[system][book], marks, strict=True)
                                     if mark == "embarrassing"]
    wins, losses = outcome["wikishelf"], outcome["tfidf"]
    return Score(wins, outcome[None], losses, sign_test(wins, losses), labels, embarrassing,
                 sorted({key[v.item].sheet for v in verdicts}))


def read_all_verdicts(out: Path) -> tuple[list[Verdict], dict[str, Item], dict]:
    key, lists = read_key(out), read_lists(out)
    paths = sorted(out.glob(VERDICTS))
    if not paths:
        raise PanelError(f"no {VERDICTS} files in {out}")
    verdicts = [v for path in paths for v in read_verdict_file(path, key, lists)]
    return verdicts, key, lists


def report(result: Score, sheets: int) -> str:
    judged = result.wins + result.ties + result.losses
    lines = [f"verdicts: {judged} books from {len(result.sheets)} of {sheets} sheets "
             f"({', '.join(map(str, result.sheets))})",
             f"wikishelf vs TF-IDF: {result.wins} wins, {result.ties} ties, {result.losses} losses;"
             f" two-sided sign test p = {result.p_value:.4g} (ties dropped)"]
    for system in SYSTEMS:
        counts = result.labels[system]
        shown = sum(counts.values())
        lines.append(f"{system}: {shown} picks shown: " + ", ".join(
            f"{counts[label]} {label}" for label in LABELS)
            + f"; embarrassing share {100 * result.share(system):.1f}%")
    for system in SYSTEMS:
        lines.append(f"embarrassing picks, {system} ({len(result.embarrassing[system])}):")
        lines += [f"  {book} -> {pick.title} — {pick.author}"
                  for book, pick in result.embarrassing[system]]
    return "\n".join(lines)


# ---------------------------------------------------------------- command line
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    books = commands.add_parser("books", help="write the fixed book list (once, before tuning)")
    books.add_argument("--model", type=Path, default=settings.default_model_dir())
    books.add_argument("--goodbooks", type=Path, default=settings.SHARED_GOODBOOKS_CSV)
    books.add_argument("--out", type=Path, default=PANEL_DIR / BOOKS_FILE)
    prep = commands.add_parser("prepare", help="both systems' lists, the sheets and the key")
    prep.add_argument("--model", type=Path, default=settings.default_model_dir())
    prep.add_argument("--books", type=Path, default=PANEL_DIR / BOOKS_FILE)
    prep.add_argument("--out", type=Path, default=PANEL_DIR)
    prep.add_argument("--seed", type=int, default=BLIND_SEED)
    prep.add_argument("--round", type=int, help="a new round (2, 3, ...) into docs/panel/roundN "
                      "with fresh blinding; --out and --seed are then ignored")
    scoring = commands.add_parser("score", help="unblind the verdict files and print the result")
    scoring.add_argument("--out", type=Path, default=PANEL_DIR)
    scoring.add_argument("--round", type=int, help="score docs/panel/roundN (1: docs/panel)")
    args = parser.parse_args(argv)
    try:
        if args.command == "books":
            files = open_model(args.model)
            chosen = choose_books(read_goodbooks(args.goodbooks), files.titles, files.meta,
                                  files.book_degrees())
            args.out.write_text("\n".join(chosen) + "\n", encoding="utf-8")
            print(f"{len(chosen)} books -> {args.out}")
        elif args.command == "prepare":
            if args.round is not None:
                out, shown = prepare_round(args.model, read_books(args.books), args.round)
            else:
                out, shown = args.out, prepare(args.model, read_books(args.books), args.out,
                                               args.seed)
            print(f"picks shown: {', '.join(f'{s} {n}' for s, n in shown.items())} -> {out}")
        else:
            out = args.out if args.round is None else round_dir(args.round)
            verdicts, key, lists = read_all_verdicts(out)
            print(report(score(verdicts, key, lists), max(i.sheet for i in key.values())))
    except WikishelfError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0
