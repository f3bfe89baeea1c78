"""The trainer: both of the article's heads learn, a seed reproduces a run, training stops on a
plateau or when asked, and the benchmark's loss agrees with Keras's own."""

import numpy as np
import pytest

from engine.build.training_config import TrainConfig


def cluster_graph():
    """Two groups of 12 books, each book linked to most pages of its group's 6 pages."""
    pairs = [(b, g * 6 + p) for g in range(2) for b in range(g * 12, g * 12 + 12)
             for p in range(6) if (b + p) % 5]
    return np.array(pairs, dtype=np.int32), 24, 12


def quick(**overrides):
    base = dict(epochs=25, batch_positives=32, patience=100, seed=7)
    return TrainConfig(**{**base, **overrides})


@pytest.mark.parametrize("classification", [True, False])
def test_both_heads_learn_the_groups(classification):
    from engine.build.training import train

    pairs, n_books, n_pages = cluster_graph()
    result = train(pairs, n_books, n_pages, quick(classification=classification), progress=False)
    assert result.losses[-1] < 0.6 * result.losses[0]
    for vectors, n in ((result.book_vectors, n_books), (result.page_vectors, n_pages)):
        assert vectors.shape == (n, TrainConfig().dim) and vectors.dtype == np.float32
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    sims = result.book_vectors @ result.book_vectors.T
    same = sims[:12, :12][~np.eye(12, dtype=bool)].mean()
    other = sims[:12, 12:].mean()
    assert same > other + 0.3
    # book . page ranks a book's own group first, whichever sign the head learned.
    scores = result.book_vectors @ result.page_vectors.T
    assert scores[:12, :6].mean() > scores[:12, 6:].mean()
    assert result.examples_per_second > 0


def test_same_seed_same_vectors_other_seed_differs():
    from engine.build.training import train

    pairs, n_books, n_pages = cluster_graph()
    a = train(pairs, n_books, n_pages, quick(epochs=4), progress=False)
    b = train(pairs, n_books, n_pages, quick(epochs=4), progress=False)
    c = train(pairs, n_books, n_pages, quick(epochs=4, seed=8), progress=False)
    assert np.array_equal(a.book_vectors, b.book_vectors)
    assert np.array_equal(a.page_vectors, b.page_vectors)
    assert a.losses == b.losses
    assert not np.allclose(a.book_vectors, c.book_vectors)


def test_stops_on_a_plateau_and_when_the_callback_asks():
    from engine.build.training import train

    pairs, n_books, n_pages = cluster_graph()
    messages = []
    # An improvement of 100% per epoch is never reached: stop after `patience` stale epochs.
    result = train(pairs, n_books, n_pages, quick(patience=2, min_delta=1.0), progress=False,
                   log=messages.append)
    assert len(result.losses) == 3 and "plateau" in messages[0]
    seen = []
    result = train(pairs, n_books, n_pages, quick(), progress=False,
                   on_epoch=lambda epoch, model: seen.append(epoch) or epoch == 4)
    assert seen == [0, 1, 2, 3, 4] and len(result.losses) == 5


def test_a_graph_past_the_positive_budget_trains_fewer_epochs():
    from engine.build.training import train
    from engine.build.training_config import PLATEAU_EPOCHS

    pairs, n_books, n_pages = cluster_graph()
    messages = []
    budget = len(pairs) * (PLATEAU_EPOCHS + 2)
    result = train(pairs, n_books, n_pages, quick(positive_budget=budget), progress=False,
                   log=messages.append)
    assert len(result.losses) == result.epochs_planned == PLATEAU_EPOCHS + 2
    assert "budget" in messages[0]
    # Every epoch draws at least as many positives as there are pairs (topped up to a batch).
    assert result.examples >= result.epochs_planned * len(pairs) * 11


@pytest.mark.parametrize("classification", [True, False])
def test_pair_loss_matches_keras(classification):
    import keras

    from engine.build.sampling import PairSampler
    from engine.build.training import build_model, pair_loss

    pairs, n_books, n_pages = cluster_graph()
    keras.utils.set_random_seed(0)
    model = build_model(n_books, n_pages, classification=classification)
    if classification:  # a head that is not the identity, so a wrong formula would show
        model.get_layer("head").set_weights([np.array([[3.0]]), np.array([-0.5])])
    books, pages, labels = PairSampler(pairs, n_books, n_pages, classification=classification,
                                       seed=0).evaluation_batch(40)
    predicted = model.predict([books, pages], verbose=0).reshape(-1, 1)
    keras_loss = (keras.losses.BinaryCrossentropy() if classification
                  else keras.losses.MeanSquaredError())(labels.reshape(-1, 1), predicted)
    assert pair_loss(model, books, pages, labels, classification) == pytest.approx(
        float(keras_loss), rel=1e-4)


def test_the_article_loop_trains_and_is_measured_the_same_way():
    from engine.build.sampling import PairSampler
    from engine.build.training import pair_loss
    from engine.quality.article_model import article_generator, train_article_loop

    pairs, n_books, n_pages = cluster_graph()
    true = {tuple(p) for p in pairs.tolist()}
    inputs, labels = next(article_generator([tuple(p) for p in pairs.tolist()], n_books, n_pages,
                                            n_positive=20, negative_ratio=5))
    batch = set(zip(inputs["book"].astype(int).tolist(), inputs["link"].astype(int).tolist(),
                    labels.tolist(), strict=True))
    assert all(((b, p) in true) == (y == 1) for b, p, y in batch)
    assert int(labels.sum()) == 20 and len(labels) == 120
    held = PairSampler(pairs, n_books, n_pages, seed=1).evaluation_batch(50)
    losses = []
    run = train_article_loop(pairs, n_books, n_pages, epochs=2, n_positive=16,
                             on_epoch=lambda e, model: losses.append(pair_loss(model, *held)))
    assert len(losses) == 2 and run["examples"] > 0 and np.isfinite(run["losses"]).all()


def _tape_reference(model, books, pages, labels, classification):
    """The Keras model's summed loss and its gradients by GradientTape, the slow obvious way."""
    import keras
    import tensorflow as tf

    loss_fn = (keras.losses.BinaryCrossentropy(reduction="sum") if classification
               else keras.losses.MeanSquaredError(reduction="sum"))
    with tf.GradientTape() as tape:
        predictions = tf.reshape(model([books, pages], training=True), [-1, 1])
        loss = loss_fn(labels.reshape(-1, 1), predictions)
    grads = tape.gradient(loss, [v.value for v in model.trainable_variables])
    return float(loss), grads


def _batch_with_repeats(classification):
    from engine.build.sampling import PairSampler

    pairs, n_books, n_pages = cluster_graph()
    books, pages, labels = PairSampler(pairs, n_books, n_pages, negative_ratio=3,
                                       classification=classification, seed=2).evaluation_batch(30)
    assert len(np.unique(books)) < len(books)  # rows repeat: their gradients must add up
    return books, pages, labels, n_books, n_pages


@pytest.mark.parametrize("classification", [True, False])
def test_hand_written_gradients_match_the_tape(classification):
    import keras
    import tensorflow as tf

    from engine.build.training import build_model, pair_gradients

    books, pages, labels, n_books, n_pages = _batch_with_repeats(classification)
    keras.utils.set_random_seed(3)
    model = build_model(n_books, n_pages, classification=classification)
    head = None
    if classification:
        model.get_layer("head").set_weights([np.array([[2.5]]), np.array([-0.7])])
        head = (tf.constant(2.5), tf.constant(-0.7))
    expected_loss, grads = _tape_reference(model, books, pages, labels, classification)
    book_rows = tf.gather(model.get_layer("book_embedding").embeddings.value, books)
    page_rows = tf.gather(model.get_layer("page_embedding").embeddings.value, pages)
    loss, alpha, beta_b, beta_p, squares_b, squares_p, head_grads = pair_gradients(
        book_rows, page_rows, tf.constant(labels), tf.ones([50, 1]), head)
    assert float(loss) == pytest.approx(expected_loss, rel=1e-5)
    grad_b = alpha[:, None] * page_rows + beta_b[:, None] * book_rows
    grad_p = alpha[:, None] * book_rows + beta_p[:, None] * page_rows
    for ours, theirs, squares in ((grad_b, grads[0], squares_b), (grad_p, grads[1], squares_p)):
        assert isinstance(theirs, tf.IndexedSlices)  # one gradient row per occurrence, in order
        np.testing.assert_allclose(ours.numpy(), theirs.values.numpy(), rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(squares.numpy(), np.mean(theirs.values.numpy() ** 2, axis=1),
                                   rtol=1e-3, atol=1e-9)
    if classification:
        assert float(head_grads[0]) == pytest.approx(float(np.ravel(grads[2])[0]), rel=1e-4)
        assert float(head_grads[1]) == pytest.approx(float(np.ravel(grads[3])[0]), rel=1e-4)


@pytest.mark.parametrize("classification", [True, False])
def test_a_step_is_row_wise_adagrad_on_the_tape_gradients(classification):
    import keras

    from engine.build.training import RowAdagradStep, build_model

    books, pages, labels, n_books, n_pages = _batch_with_repeats(classification)
    keras.utils.set_random_seed(4)
    model = build_model(n_books, n_pages, classification=classification)
    before = [v.numpy().copy() for v in model.trainable_variables]
    _, grads = _tape_reference(model, books, pages, labels, classification)
    lr = 0.2
    expected = []
    for value, grad in zip(before, grads, strict=True):
        if hasattr(grad, "indices"):  # rows: accumulate each occurrence's mean square, then step
            idx, rows = grad.indices.numpy(), grad.values.numpy()
            acc = np.full(len(value), 0.1)
            np.add.at(acc, idx, np.mean(rows ** 2, axis=1))
            summed = np.zeros_like(value, dtype=np.float64)
            np.add.at(summed, idx, rows)
            expected.append(value - lr * summed / np.sqrt(acc)[:, None])
        else:
            grad = grad.numpy()
            expected.append(value - lr * grad / np.sqrt(0.1 + grad * grad))
    stepper = RowAdagradStep(model, classification, lr)
    stepper.step(books, pages, labels)
    for var, want in zip(model.trainable_variables, expected, strict=True):
        np.testing.assert_allclose(var.numpy(), want, rtol=1e-4, atol=1e-6)


def test_common_directions_go_and_unlinked_books_keep_their_vector():
    from engine.build.training import without_common_directions

    rng = np.random.default_rng(0)
    shared = rng.normal(size=8)  # a direction every linked book leans towards
    vectors = (rng.normal(size=(30, 8)) * 0.2 + 3 * shared).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    pairs = np.array([(b, 0) for b in range(29)], dtype=np.int32)  # book 29 has no links
    before = vectors[:29] @ vectors[:29].T
    out = without_common_directions(vectors, pairs, drop=1)
    after = out[:29] @ out[:29].T
    assert np.allclose(np.linalg.norm(out, axis=1), 1, atol=1e-5)
    assert np.array_equal(out[29], vectors[29])
    off = ~np.eye(29, dtype=bool)
    assert before[off].mean() > 0.8 and abs(after[off].mean()) < 0.1  # flat cosines spread out
    centred = out[:29].astype(np.float64)
    _, _, top = np.linalg.svd(vectors[:29] - vectors[:29].mean(0), full_matrices=False)
    assert np.abs(centred @ top[0]).max() < 1e-5  # the top direction is gone
    assert np.array_equal(without_common_directions(vectors, pairs, drop=0)[29], vectors[29])
