"""The arrays serving derives from a catalog are made at build time (engine.serve.derived): a
bot reading them answers exactly as one deriving them at load, a model without them or with
tables of other rules still serves, and damaged tables are refused with the build command."""

import json
import os
import shutil

import numpy as np
import pytest

from engine.errors import BUILD_COMMAND, ModelDirError
from engine.model_dir import MANIFEST, SERVING_TABLES, rewrite_manifest
from engine.quality.synthetic_catalog import write_synthetic_model
from engine.serve.group_picks import group_picks
from engine.serve.key_table import string_array, strings_of
from engine.serve.recommender import HistoryItem, Recommender
from engine.serve.titles import KEY_RULES


@pytest.fixture(scope="module")
def synthetic_model_dir(tiny, tmp_path_factory):
    """A small catalog with aliases (the tiny fixture's data has no redirects)."""
    out = tmp_path_factory.mktemp("synthetic") / "model"
    write_synthetic_model(out, tiny.titles, [m.get("author", "") for m in tiny.meta],
                          n_books=3_000, dim=tiny.files.dim, n_trees=5)
    return out


@pytest.fixture(params=["tiny", "synthetic"])
def model_copy(request, tmp_path):
    """A copy of the tiny model (built by the pipeline) or of a synthetic one with aliases."""
    source = request.getfixturevalue(f"{request.param}_model_dir")
    copy = tmp_path / "model"
    shutil.copytree(source, copy)
    return copy


def rewrite_tables(directory, change):
    """Apply `change` to the stored arrays (a dict) and re-seal the manifest."""
    path = directory / SERVING_TABLES
    with np.load(path) as archive:
        arrays = {name: archive[name] for name in archive.files}
    change(arrays)
    np.savez(path, **arrays)
    rewrite_manifest(directory, json.loads((directory / MANIFEST).read_text()))


def typed(rec, book):
    """Ways a reader types a title: a slip, a start, with the author, half-typed."""
    title, author = rec.titles[book], rec.meta[book].get("author", "")
    middle = len(title) // 2
    return [title.lower(), title[:middle] + title[middle + 1:], " ".join(title.split()[:2]),
            f"{title} {author.split()[-1] if author else ''}", title.upper() + " 5"]


def answers(rec):
    """What a reader sees from every part the tables feed: titles, aliases, kin, evidence."""
    aliases = sorted(rec.aliases.items())
    aliases = aliases[::max(1, len(aliases) // 1500)]
    books = [t for i, t in enumerate(rec.titles) if rec.has_links[i]]
    shelves = [[HistoryItem(t, rating=(i % 5) + 1) for i, t in enumerate(books[s::7][:12])]
               for s in range(6)]
    asked = [text for b in range(0, len(rec.titles), max(1, len(rec.titles) // 80))
             for text in typed(rec, b)]
    return {"typed": [(text, rec.resolve(text).status, rec.resolve(text).title,
                       rec.resolve(text).candidates) for text in asked],
            "completed": [rec.resolver.complete(text[:k]) for text in asked[::5] for k in (3, 6)],
            "resolved": [(a, rec.resolve(a).title) for a, _ in aliases]
            + [(a.lower(), rec.resolve(a.lower()).title) for a, _ in aliases],
            "canonical": [rec.canonical_title(a) for a, _ in aliases] + [rec.canonical_title("nope")],
            "kin": [sorted(rec.kin_of(rec.title_to_id[t]).items()) for t in books],
            "similar": [[(n.title, n.evidence, n.kin, [p.page for p in n.shared])
                         for n in rec.similar(t, 5)] for t in books[:30]],
            "picks": [[(p.title, p.score, p.because) for p in rec.recommend(shelf, 10)]
                      for shelf in shelves],
            "club": [(p.title, p.suits) for p in group_picks(rec, shelves[:4], 10)]}


def test_the_build_stores_every_group_and_serving_from_them_changes_no_answer(model_copy):
    stored = Recommender.load(model_copy)
    assert stored.files.serving_tables.keys() == {"evidence", "kinship", "title_keys"}
    assert stored.key_tables is not None and stored.evidence.close_mask is not None
    expected = answers(stored)
    (model_copy / SERVING_TABLES).unlink()
    derived = Recommender.load(model_copy)
    assert derived.key_tables is None and derived.files.serving_tables == {}
    assert derived.evidence.close_mask is None
    assert answers(derived) == expected
    if stored.aliases:
        assert sum(title is not None for _, title in expected["resolved"]) > len(expected["resolved"]) // 2


def test_tables_derived_by_other_rules_are_derived_again(model_copy):
    rewrite_tables(model_copy, lambda a: a.update({"title_keys/version": np.array([KEY_RULES + 1]),
                                                   "kinship/version": np.array([-1])}))
    rewrite = Recommender.load(model_copy)
    assert rewrite.key_tables is None and rewrite.files.serving_group("kinship", 1) is None
    (model_copy / SERVING_TABLES).unlink()
    assert answers(rewrite) == answers(Recommender.load(model_copy))


def out_of_range_book(a):
    a["title_keys/by_key.rows"][:] = 10_000


def unsorted_keys(a):
    a["title_keys/by_full.hashes"] = a["title_keys/by_full.hashes"][::-1].copy()


def misplaced_postings(a):
    a["title_keys/postings.rows"][:] = a["title_keys/postings.rows"][::-1]
    a["title_keys/postings.starts"][1] = a["title_keys/postings.starts"][-1] + 1


def short_folded_titles(a):
    a["title_keys/core"] = string_array(strings_of(a["title_keys/core"], -1)[:-1])


def order_with_a_repeat(a):
    a["title_keys/prefix_order"][0] = a["title_keys/prefix_order"][1]


def short_strengths(a):
    a["evidence/strength"] = a["evidence/strength"][:-1]


def kin_beyond_catalog(a):
    a["kinship/key_starts"] = a["kinship/key_starts"][:-2]


def closeness_for_another_catalog(a):
    a["evidence/close_mask"] = a["evidence/close_mask"][:-1]


def malformed_version(a):
    a["evidence/version"] = np.array([1, 2])


@pytest.mark.parametrize("damage", [out_of_range_book, unsorted_keys, misplaced_postings,
                                    short_folded_titles, order_with_a_repeat, short_strengths,
                                    closeness_for_another_catalog,
                                    kin_beyond_catalog, malformed_version],
                         ids=lambda f: f.__name__)
def test_damaged_tables_are_refused_with_the_build_command(model_copy, damage):
    rewrite_tables(model_copy, damage)
    with pytest.raises(ModelDirError) as caught:
        Recommender.load(model_copy).warm()
    message = str(caught.value)
    assert BUILD_COMMAND in message and str(model_copy) in message and "\n" not in message


def test_a_key_table_answers_as_the_dict_it_was_made_from():
    from engine.serve.key_table import KeyTable

    mapping = {f"title {i}": i % 7 for i in range(500)} | {"": 3, "naïve": 5}
    table = KeyTable.of(mapping)
    assert len(table) == len(mapping) and table.is_valid(7) and not table.is_valid(5)
    assert all(table.get(k) == v for k, v in mapping.items())
    assert table.get("title 500") is None and table.get("x", -1) == -1
    assert "naïve" in table and "naive" not in table
    assert KeyTable.of({}).get("a") is None


def test_on_the_shared_model_stored_tables_answer_as_derived_ones(shared_model_dir, tmp_path):
    """The shipped model: every typed title, alias, kin list and evidence the same both ways."""
    copy = tmp_path / "model"
    shutil.copytree(shared_model_dir, copy, copy_function=os.link)  # hard links: no 100 MB copy
    stored = Recommender.load(copy)
    assert stored.key_tables is not None
    expected = answers(stored)
    (copy / SERVING_TABLES).unlink()
    assert answers(Recommender.load(copy)) == expected
