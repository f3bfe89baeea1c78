"""The blind reader panel (engine.quality.panel): the book rule, the blinded sheets and the key on
the tiny model, and the scoring of verdict files (sign test, unblinding, malformed files)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from engine.quality import panel
from engine.quality.panel import PanelError, Pick
from tests.conftest import requires_shared_data

SYSTEM_NAMES = re.compile(r"wikishelf|tf-?idf|similarity|\(0\.\d+\)", re.I)


def parse_sheet(text: str) -> dict[str, dict[str, list[tuple[str, str]]]]:
    """item -> {"A": [(title, author)], "B": [...]} as a judge reads the sheet."""
    items, item, side = {}, None, None
    for line in text.splitlines():
        if heading := re.match(r"## (\d{3}) · ", line):
            item = heading.group(1)
            items[item] = {"A": [], "B": []}
        elif line in ("List A", "List B"):
            side = line[-1]
        elif pick := re.match(r"\d+\. (.*) — (.*)$", line):
            items[item][side].append((pick.group(1), pick.group(2)))
    return items


@pytest.fixture(scope="module")
def tiny_books(tiny):
    return [t for i, t in enumerate(tiny.titles) if tiny.has_links[i]][:10]


@pytest.fixture(scope="module")
def prepared(tiny, tiny_books, tiny_model_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("panel")
    shown = panel.prepare(tiny_model_dir, tiny_books, out)
    return out, shown


# ---------------------------------------------------------------- prepare
def test_lists_are_the_bots_answer_and_a_real_tfidf_knn(tiny, tiny_books, prepared):
    out, shown = prepared
    lists = panel.read_lists(out)
    for book in tiny_books:
        assert [p.title for p in lists["wikishelf"][book]] == \
            [n.title for n in tiny.similar(book, k=5)]
    # TF-IDF recomputed densely here: idf-weighted link rows, cosine, self left out.
    links = np.zeros((len(tiny.titles), len(tiny.pages)))
    links[tiny.files.pairs[:, 0], tiny.files.pairs[:, 1]] = 1
    weighted = links * np.log(len(tiny.titles) / np.maximum(links.sum(0), 1))
    unit = weighted / np.maximum(np.linalg.norm(weighted, axis=1, keepdims=True), 1e-12)
    for book in tiny_books:
        row = tiny.title_to_id[book]
        sims = unit @ unit[row]
        sims[row] = -np.inf
        got = [tiny.title_to_id[p.title] for p in lists["tfidf"][book]]
        assert 0 < len(got) <= 5
        assert all(sims[i] > 0 for i in got)
        assert np.allclose(sims[got], np.sort(sims)[::-1][:len(got)], atol=1e-5)
    assert shown == {s: sum(map(len, lists[s].values())) for s in panel.SYSTEMS}


def test_sheets_hide_the_system_and_the_key_unblinds_them(tiny_books, prepared):
    out, _ = prepared
    key, lists = panel.read_key(out), panel.read_lists(out)
    seen = {}
    for sheet in sorted(out.glob("sheet_*.md")):
        text = sheet.read_text(encoding="utf-8")
        assert not SYSTEM_NAMES.search(text)
        seen.update(parse_sheet(text))
    assert sorted(seen) == sorted(key) and len(key) == len(tiny_books)
    assert {item.a for item in key.values()} == set(panel.SYSTEMS)  # both orders occur
    for number, item in key.items():
        assert {item.a, item.b} == set(panel.SYSTEMS)
        for side, system in (("A", item.a), ("B", item.b)):
            assert seen[number][side] == [(p.title, p.author) for p in lists[system][item.book]]


def test_same_seed_same_sheets_other_seed_other_order(tiny_model_dir, tiny_books, prepared,
                                                      tmp_path):
    out, _ = prepared
    panel.prepare(tiny_model_dir, tiny_books, tmp_path / "again")
    for path in out.iterdir():
        assert (tmp_path / "again" / path.name).read_bytes() == path.read_bytes()
    panel.prepare(tiny_model_dir, tiny_books, tmp_path / "other", seed=panel.BLIND_SEED + 1)
    assert (tmp_path / "other" / "key.tsv").read_bytes() != (out / "key.tsv").read_bytes()


def test_books_split_into_near_equal_sheets():
    books = [f"Book {i}" for i in range(100)]
    items = panel.blind(books, dict.fromkeys(books, "X"), chunks=4)
    sizes = [sum(i.sheet == s for i in items) for s in range(1, 5)]
    assert sizes == [25, 25, 25, 25]
    assert [i.number for i in items[:2]] == ["001", "002"]


def test_a_short_list_shows_fewer_and_a_shared_pick_shows_in_both(tmp_path):
    lists = {"wikishelf": {"Dune": [Pick("Children of Dune", "Frank Herbert")]},
             "tfidf": {"Dune": [Pick("Children of Dune", "Frank Herbert"),
                                Pick("Hyperion", "Dan Simmons")]}}
    lists["wikishelf"]["Emma"], lists["tfidf"]["Emma"] = [], [Pick("Persuasion", "Jane Austen")]
    items = panel.blind(["Dune", "Emma"], {"Dune": "Frank Herbert", "Emma": "Jane Austen"},
                        chunks=1)
    panel.write_panel(tmp_path, items, lists)
    sheet = (tmp_path / "sheet_1.md").read_text(encoding="utf-8")
    shown = parse_sheet(sheet)
    by_system = {item.a: shown[item.number]["A"] for item in items if item.book == "Dune"}
    by_system |= {item.b: shown[item.number]["B"] for item in items if item.book == "Dune"}
    assert by_system == {"wikishelf": [("Children of Dune", "Frank Herbert")],
                         "tfidf": [("Children of Dune", "Frank Herbert"),
                                   ("Hyperion", "Dan Simmons")]}
    assert sheet.count("(no picks)") == 1


def test_a_book_the_model_lacks_is_refused(tiny_model_dir, tmp_path):
    with pytest.raises(PanelError, match="not in this model's catalog: No Such Book"):
        panel.prepare(tiny_model_dir, ["No Such Book"], tmp_path)
    assert not any(tmp_path.iterdir())


# ---------------------------------------------------------------- the book rule
def goodbooks_row(title, authors, count, original=""):
    return {"title": title, "authors": authors, "ratings_count": str(count),
            "original_title": original}


def test_book_rule():
    titles = ["The Hobbit", "The Silmarillion", "Dune (novel)", "Dune (film)", "Emma",
              "Matilda (novel)", "Orphan Book", "Emma (comic)"]
    meta = [{"author": "J. R. R. Tolkien", "genre": "fantasy"},
            {"author": "J. R. R. Tolkien", "genre": "fantasy"},
            {"author": "Frank Herbert", "genre": "science fiction"},
            {"author": "David Lynch"},
            {"author": "Jane Austen", "genre": "novel"},
            {"author": "Roald Dahl", "genre": "children's literature"},
            {"author": "Nobody Known"},
            {"author": "Jane Austen", "genre": "comic"}]
    degrees = np.array([3, 3, 2, 1, 2, 4, 0, 1])
    rows = [goodbooks_row("Dune (Dune, #1)", "Frank Herbert", 900, "Dune"),
            goodbooks_row("The Hobbit, or There and Back Again", "J.R.R. Tolkien, Alan Lee", 800,
                          "The Hobbit or There and Back Again"),  # neither name matches
            goodbooks_row("The Hobbit", "J.R.R. Tolkien", 700),  # empty original: the title
            goodbooks_row("The Silmarillion", "J.R.R. Tolkien", 600),  # second by the author
            goodbooks_row("Emma", "Jane Austen", 500, "Emma"),  # two Emmas by Austen: ambiguous
            goodbooks_row("Matilda", "Roald Dahl", 50, "Matilda"),
            goodbooks_row("Orphan Book", "Nobody Known", 40, "Orphan Book"),  # no links
            goodbooks_row("Dune", "Someone Else", 30, "Dune")]  # author does not match
    assert panel.choose_books(rows, titles, meta, degrees) == \
        ["Dune (novel)", "The Hobbit", "Matilda (novel)"]
    # Only the first of each genre when the cap is one: the Hobbit is SF/fantasy like Dune.
    assert panel.choose_books(rows, titles, meta, degrees, per_genre=1) == \
        ["Dune (novel)", "Matilda (novel)"]


@pytest.mark.parametrize("genre, group", [
    ("children's fantasy novel", "children's"), ("young adult, science fantasy", "sf/fantasy"),
    ("true crime", "crime/thriller/horror"), ("memoir", "non-fiction"), (None, "other fiction"),
    ("classic regency novel", "other fiction")])
def test_panel_genre(genre, group):
    assert panel.panel_genre(genre) == group


@requires_shared_data
def test_every_panel_book_is_in_the_shared_catalog_with_links():
    from engine.quality.title_sets import real_catalog

    catalog = real_catalog()
    rows = {t: i for i, t in enumerate(catalog.books)}
    books = panel.read_books(panel.PANEL_DIR / panel.BOOKS_FILE)
    assert len(books) == len(set(books)) == 100
    degrees = catalog.book_degrees()
    assert [b for b in books if b not in rows or degrees[rows[b]] == 0] == []


# ---------------------------------------------------------------- score
@pytest.mark.parametrize("wins, losses, expected", [
    (8, 2, 2 * (1 + 10 + 45) / 1024), (10, 0, 2 / 1024), (0, 10, 2 / 1024), (5, 5, 1.0),
    (0, 0, 1.0), (3, 0, 0.25), (1, 0, 1.0)])
def test_sign_test_known_values(wins, losses, expected):
    assert panel.sign_test(wins, losses) == pytest.approx(expected)


def test_sign_test_agrees_with_scipy():
    from scipy.stats import binomtest

    for wins, losses in ((60, 40), (41, 29), (12, 30), (50, 50)):
        assert panel.sign_test(wins, losses) == pytest.approx(
            binomtest(wins, wins + losses, 0.5).pvalue)


HAND_BOOKS = ["Dune", "Emma", "Holes"]


@pytest.fixture
def hand_panel(tmp_path):
    """Three books on one sheet, lists of 2, 1 and 0 picks; returns (folder, key by book)."""
    lists = {"wikishelf": {"Dune": [Pick("Children of Dune", "Frank Herbert"),
                                    Pick("Bridge for Beginners", "A. Player")],
                           "Emma": [Pick("Persuasion", "Jane Austen")],
                           "Holes": []},
             "tfidf": {"Dune": [Pick("Hyperion", "Dan Simmons")],
                       "Emma": [Pick("Tax Law", "B. Clerk"), Pick("Mansfield Park", "Jane Austen")],
                       "Holes": [Pick("Small Steps", "Louis Sachar")]}}
    items = panel.blind(HAND_BOOKS, dict.fromkeys(HAND_BOOKS, "X"), chunks=1)
    panel.write_panel(tmp_path, items, lists)
    return tmp_path, {item.book: item for item in items}


def verdict_line(item, labels: dict[str, str], winner: str | None, reason="because") -> str:
    prefer = "tie" if winner is None else ("A" if item.a == winner else "B")
    return f"{item.number}\t{labels[item.a]}\t{labels[item.b]}\t{prefer}\t{reason}"


def write_verdicts(folder, lines, name="verdict_1.tsv"):
    text = "item\tA\tB\tprefer\treason\n" + "\n".join(lines) + "\n"
    (folder / name).write_text(text, encoding="utf-8")


def good_lines(key):
    return [verdict_line(key["Dune"], {"wikishelf": "good,embarrassing", "tfidf": "good"},
                         "tfidf"),
            verdict_line(key["Emma"], {"wikishelf": "good", "tfidf": "embarrassing,ok"},
                         "wikishelf"),
            verdict_line(key["Holes"], {"wikishelf": "-", "tfidf": "good"}, "tfidf")]


def test_score_unblinds_the_verdicts(hand_panel):
    folder, key = hand_panel
    write_verdicts(folder, good_lines(key))
    verdicts, read_key, lists = panel.read_all_verdicts(folder)
    result = panel.score(verdicts, read_key, lists)
    assert (result.wins, result.ties, result.losses) == (1, 0, 2)
    assert result.p_value == pytest.approx(1.0)
    assert dict(result.labels["wikishelf"]) == {"good": 2, "ok": 0, "embarrassing": 1}
    assert dict(result.labels["tfidf"]) == {"good": 2, "ok": 1, "embarrassing": 1}
    assert result.share("wikishelf") == pytest.approx(1 / 3)
    assert result.share("tfidf") == pytest.approx(1 / 4)
    assert result.embarrassing == {
        "wikishelf": [("Dune", Pick("Bridge for Beginners", "A. Player"))],
        "tfidf": [("Emma", Pick("Tax Law", "B. Clerk"))]}


def test_score_command_prints_the_figures(hand_panel, capsys):
    folder, key = hand_panel
    write_verdicts(folder, good_lines(key)[::-1])  # any order of lines
    assert panel.main(["score", "--out", str(folder)]) == 0
    printed = capsys.readouterr().out
    assert "1 wins, 0 ties, 2 losses; two-sided sign test p = 1" in printed
    assert "wikishelf: 3 picks shown: 2 good, 0 ok, 1 embarrassing; embarrassing share 33.3%" \
        in printed
    assert "Dune -> Bridge for Beginners — A. Player" in printed


def replace_field(line: str, column: int, value: str) -> str:
    fields = line.split("\t")
    fields[column] = value
    return "\t".join(fields)


MALFORMED = {
    "wrong header": (lambda lines: lines, "item\tA\tB\tpreference\treason", "header"),
    "missing column": (lambda lines: [lines[0].rsplit("\t", 1)[0]] + lines[1:], None,
                       "line 2: 4 tab-separated fields, expected 5"),
    "unknown item": (lambda lines: [replace_field(lines[0], 0, "042")] + lines[1:], None,
                     "item '042' is not on sheet 1"),
    "judged twice": (lambda lines: lines + [lines[0]], None, "judged twice"),
    "left out": (lambda lines: lines[:2], None, "no verdict for items"),
    "misspelt label": (lambda lines: [replace_field(lines[0], 1, "god")] + lines[1:], None,
                       "label 'god' is not one of good, ok, embarrassing"),
    "label count": (lambda lines: [replace_field(lines[0], 2, "good,good,good")] + lines[1:],
                    None, "labels"),
    "bad preference": (lambda lines: [replace_field(lines[0], 3, "a")] + lines[1:], None,
                       "preference 'a' is not one of A, B, tie"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_verdicts_are_refused_whole(hand_panel, case, capsys):
    folder, key = hand_panel
    change, header, message = MALFORMED[case]
    lines = change(sorted(good_lines(key)))
    write_verdicts(folder, lines)
    if header:
        path = folder / "verdict_1.tsv"
        path.write_text(header + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(PanelError, match=re.escape(message)):
        panel.read_all_verdicts(folder)
    assert panel.main(["score", "--out", str(folder)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith("error: verdict_1.tsv")


def test_a_verdict_for_a_sheet_that_does_not_exist_is_refused(hand_panel):
    folder, key = hand_panel
    write_verdicts(folder, good_lines(key), name="verdict_7.tsv")
    with pytest.raises(PanelError, match="there is no sheet 7"):
        panel.read_all_verdicts(folder)


def test_no_verdicts_yet(hand_panel):
    folder, _ = hand_panel
    with pytest.raises(PanelError, match="no verdict_"):
        panel.read_all_verdicts(folder)


# ---------------------------------------------------------------- later rounds
def test_a_new_round_gets_its_own_folder_fresh_sides_and_the_guides(tiny_model_dir, tiny_books,
                                                                    prepared, tmp_path):
    first, _ = prepared
    for name in panel.GUIDES:
        (tmp_path / name).write_text(f"the {name} text\n", encoding="utf-8")
    (tmp_path / "key.tsv").write_text("round 1's key, left alone\n", encoding="utf-8")
    out, shown = panel.prepare_round(tiny_model_dir, tiny_books, 2, panel=tmp_path)
    assert out == tmp_path / "round2" and shown["wikishelf"] > 0
    assert (tmp_path / "key.tsv").read_text(encoding="utf-8") == "round 1's key, left alone\n"
    for name in panel.GUIDES:
        assert (out / name).read_text(encoding="utf-8") == f"the {name} text\n"
    sides = [row.split("\t")[3] for row in (out / "key.tsv").read_text().splitlines()[1:]]
    first_sides = [row.split("\t")[3] for row in (first / "key.tsv").read_text().splitlines()[1:]]
    assert sides != first_sides and panel.round_seed(2) != panel.BLIND_SEED
    assert panel.read_lists(out) == panel.read_lists(first)  # same model, same lists
    (out / "verdict_1.tsv").write_text("x\n", encoding="utf-8")
    with pytest.raises(PanelError, match="already holds verdicts"):
        panel.prepare_round(tiny_model_dir, tiny_books, 2, panel=tmp_path)
    with pytest.raises(PanelError, match="round 1"):
        panel.prepare_round(tiny_model_dir, tiny_books, 1, panel=tmp_path)


def test_score_reads_a_round_folder_like_round_one(tmp_path, capsys):
    """Round 1's real files and verdicts, copied into a round folder, score the same."""
    round_one = panel.round_dir(1)
    assert round_one == panel.PANEL_DIR
    copy = panel.round_dir(3, tmp_path)
    copy.mkdir()
    for path in round_one.glob("*.tsv"):
        (copy / path.name).write_bytes(path.read_bytes())
    assert panel.main(["score", "--out", str(copy)]) == 0
    copied = capsys.readouterr().out
    assert panel.main(["score", "--round", "1"]) == 0
    assert capsys.readouterr().out == copied
    verdicts, key, lists = panel.read_all_verdicts(copy)
    result = panel.score(verdicts, key, lists)
    assert result.wins + result.ties + result.losses == 100
    assert f"{result.wins} wins, {result.ties} ties, {result.losses} losses" in copied
