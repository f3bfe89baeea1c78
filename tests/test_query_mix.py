"""The benchmark's honest mixes and its synthetic 100k-book catalog, at toy sizes."""

from collections import Counter

import pytest

from engine.quality.query_mix import MIX, keystrokes, typed_mix
from engine.quality.synthetic_catalog import grow_titles, make_aliases, write_synthetic_model
from engine.text import normalise

SEED_TITLES = ["The Hobbit", "The Lord of the Rings", "Bully for Brontosaurus",
               "Sapiens: A Brief History of Humankind", "Les Misérables", "Pride and Prejudice",
               "Harry Potter and the Philosopher's Stone", "War and Peace", "The Name of the Rose",
               "A Brief History of Time", "Crime and Punishment", "The Old Man and the Sea"]
AUTHORS = ["J. R. R. Tolkien", "J. R. R. Tolkien", "Stephen Jay Gould", "Yuval Noah Harari",
           "Victor Hugo", "Jane Austen", "J. K. Rowling", "Leo Tolstoy", "Umberto Eco",
           "Stephen Hawking", "Fyodor Dostoevsky", "Ernest Hemingway"]


def test_typed_mix_follows_the_stated_proportions_and_is_reproducible():
    queries = typed_mix(SEED_TITLES, AUTHORS, 4000, seed=3)
    shares = Counter(q.kind for q in queries)
    for kind, share in MIX.items():
        assert abs(shares[kind] / len(queries) - share) < 0.03, kind
    assert queries == typed_mix(SEED_TITLES, AUTHORS, 4000, seed=3)
    assert queries != typed_mix(SEED_TITLES, AUTHORS, 4000, seed=4)


def test_each_kind_damages_its_title_the_way_it_says():
    keys = {normalise(t) for t in SEED_TITLES}
    for q in typed_mix(SEED_TITLES, AUTHORS, 2000, seed=5):
        if q.kind == "absent":
            assert q.expected is None and normalise(q.text) not in keys
        else:
            assert q.expected in SEED_TITLES
        if q.kind == "typo":
            assert q.text != q.expected.lower()
        if q.kind == "trailing_rating":
            assert q.text.rsplit(" ", 1)[1] in set("12345")
        if q.kind == "missing_article":
            assert not q.text.lower().startswith(("the ", "a ", "an "))


def test_keystrokes_are_every_prefix_of_the_drawn_titles():
    keys = keystrokes(["Dune", "Emma"], 2, seed=0)
    assert sorted(keys) == sorted(["d", "du", "dun", "dune", "e", "em", "emm", "emma"])


def test_grown_titles_are_distinct_and_include_series():
    import numpy as np

    titles = grow_titles(SEED_TITLES, 400, np.random.default_rng(0))
    assert len(titles) == 400 and titles[:len(SEED_TITLES)] == SEED_TITLES
    assert len({normalise(t) for t in titles}) == 400
    assert any(": Book 2" in t for t in titles)


def test_aliases_never_fold_onto_a_title_or_each_other():
    titles = grow_titles(SEED_TITLES, 300, __import__("numpy").random.default_rng(1))
    aliases = make_aliases(titles, ["Ann Author"] * len(titles), 3)
    keys = [normalise(a) for a in aliases]
    assert len(set(keys)) == len(keys) and not set(keys) & {normalise(t) for t in titles}
    assert len(aliases) > 2.5 * len(titles)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_the_synthetic_model_serves(tmp_path):
    from engine.serve.recommender import Recommender

    manifest = write_synthetic_model(tmp_path / "syn", SEED_TITLES, AUTHORS, n_books=500, dim=16,
                                     n_trees=5)
    rec = Recommender.load(tmp_path / "syn")
    assert len(rec.titles) == 500 == manifest["counts"]["books"]
    alias, title = next(iter(rec.files.aliases.items()))
    assert rec.resolve(alias).title == title
    near = rec.similar("The Hobbit", 5)  # its neighbourhood shares pages: evidence to show
    assert near and all(n.shared for n in near)
