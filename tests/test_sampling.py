"""The vectorised sampler: never a true pair as a negative, labels as configured, reproducible."""

import numpy as np
import pytest

from engine.build.sampling import PairSampler, prefetched


def dense_graph(seed=0, n_books=30, n_pages=12, density=0.6):
    """A graph so dense that most random pairs are true ones: collisions must be redrawn."""
    rng = np.random.default_rng(seed)
    linked = rng.random((n_books, n_pages)) < density
    return np.argwhere(linked).astype(np.int32), n_books, n_pages


def test_negatives_are_never_true_pairs_even_in_a_dense_graph():
    pairs, n_books, n_pages = dense_graph()
    sampler = PairSampler(pairs, n_books, n_pages, negative_ratio=5, seed=3)
    true = {tuple(p) for p in pairs.tolist()}
    seen = 0
    for books, pages, labels in sampler.epoch(16):
        for b, p, y in zip(books.tolist(), pages.tolist(), labels.tolist(), strict=True):
            if y == 0.0:
                assert (b, p) not in true
                seen += 1
            else:
                assert (b, p) in true
    assert seen == 5 * len(pairs) + 5 * (-len(pairs) % 16)


@pytest.mark.parametrize("classification, negative_label", [(True, 0.0), (False, -1.0)])
@pytest.mark.parametrize("ratio", [1, 3, 5])
def test_labels_balanced_as_configured(classification, negative_label, ratio):
    pairs, n_books, n_pages = dense_graph(density=0.2)
    sampler = PairSampler(pairs, n_books, n_pages, negative_ratio=ratio,
                          classification=classification, seed=1)
    for books, pages, labels in sampler.epoch(8):
        assert books.dtype == pages.dtype == np.int32 and labels.dtype == np.float32
        assert np.sum(labels == 1.0) == 8
        assert np.sum(labels == negative_label) == 8 * ratio
        assert len(labels) == len(books) == len(pages) == 8 * (1 + ratio)


def test_every_positive_is_seen_each_epoch_in_equal_batches():
    pairs, n_books, n_pages = dense_graph(density=0.3)
    sampler = PairSampler(pairs, n_books, n_pages, negative_ratio=2, seed=0)
    batches = list(sampler.epoch(7))
    assert len({len(b[2]) for b in batches}) == 1  # one shape: the compiled step traces once
    positives = {(b, p) for books, pages, labels in batches
                 for b, p, y in zip(books.tolist(), pages.tolist(), labels.tolist(), strict=True)
                 if y == 1.0}
    assert positives == {tuple(p) for p in pairs.tolist()}


def test_batch_larger_than_the_graph_shrinks_to_it():
    pairs = np.array([[0, 0], [1, 1], [2, 0]], dtype=np.int32)
    batches = list(PairSampler(pairs, 3, 2, negative_ratio=1, seed=0).epoch(1000))
    assert len(batches) == 1 and len(batches[0][2]) == 6


def test_same_seed_same_batches_and_different_seed_differs():
    pairs, n_books, n_pages = dense_graph(density=0.3)

    def draw(seed):
        return np.concatenate([np.concatenate(b[:2]) for b in
                               PairSampler(pairs, n_books, n_pages, seed=seed).epoch(10)])

    assert np.array_equal(draw(4), draw(4))
    assert not np.array_equal(draw(4), draw(5))


def test_smoothed_page_distribution_prefers_popular_pages():
    # Page 0 is linked by every book, the others by one book each.
    pairs = np.array([[b, 0] for b in range(50)] + [[b, b % 9 + 1] for b in range(9)], np.int32)
    pairs_extra = np.vstack([pairs, [[49, 10]]])
    uniform = PairSampler(pairs_extra, 100, 11, seed=0, page_power=0.0).negatives(20_000)[1]
    smoothed = PairSampler(pairs_extra, 100, 11, seed=0, page_power=0.75).negatives(20_000)[1]
    assert np.mean(smoothed == 0) > 2 * np.mean(uniform == 0)


def test_impossible_graphs_are_refused():
    with pytest.raises(ValueError, match="no .book, page. pairs"):
        PairSampler(np.zeros((0, 2), np.int32), 3, 3)
    full = np.array([[b, p] for b in range(2) for p in range(2)], np.int32)
    with pytest.raises(ValueError, match="no negative"):
        PairSampler(full, 2, 2)


def test_evaluation_batch_is_fixed_by_its_seed_and_distinct():
    pairs, n_books, n_pages = dense_graph(density=0.3)
    a = PairSampler(pairs, n_books, n_pages, seed=9).evaluation_batch(20)
    b = PairSampler(pairs, n_books, n_pages, seed=9).evaluation_batch(20)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    positives = {(x, y) for x, y, lab in zip(*[v.tolist() for v in a], strict=True) if lab == 1.0}
    assert len(positives) == 20


def test_prefetched_keeps_order_and_passes_errors_on():
    assert list(prefetched(iter(range(50)), depth=3)) == list(range(50))

    def broken():
        yield 1
        raise RuntimeError("sampler failed")

    with pytest.raises(RuntimeError, match="sampler failed"):
        list(prefetched(broken()))


def test_prefetched_stops_its_thread_when_abandoned():
    import threading

    before = threading.active_count()
    stream = prefetched(iter(range(10_000)), depth=2)
    next(stream)
    stream.close()
    assert threading.active_count() == before


def test_alias_table_draws_pages_in_proportion_to_their_weights():
    from engine.build.sampling import _AliasTable

    weights = np.array([0.0, 1.0, 4.0, 0.5, 10.0, 2.5])  # a zero weight is never drawn
    drawn = _AliasTable(weights).draw(np.random.default_rng(0), 400_000)
    share = np.bincount(drawn, minlength=len(weights)) / len(drawn)
    np.testing.assert_allclose(share, weights / weights.sum(), atol=0.003)
    assert share[0] == 0.0


def test_key_filter_never_misses_a_true_pair_in_a_large_graph():
    rng = np.random.default_rng(5)
    n_books, n_pages = 3000, 2000
    keys = np.unique(rng.integers(0, n_books * n_pages, 60_000))
    pairs = np.stack([keys // n_pages, keys % n_pages], axis=1)
    sampler = PairSampler(pairs, n_books, n_pages, seed=0)
    assert sampler.is_true_pair(pairs[:, 0], pairs[:, 1]).all()
    books, pages = sampler.negatives(100_000)
    assert not np.isin(books * n_pages + pages, keys).any()
