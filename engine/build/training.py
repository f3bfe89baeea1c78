"""Training the article's model: book and page embeddings, a normalised dot product, and a head
that tells real (book, page) pairs from random ones.

The Keras model is the article's and owns the variables. The loop is ours: numpy batches from
`PairSampler`, drawn in a background thread while the previous step runs; one XLA-compiled step
traced once (every batch has the same shape) with the model's gradients written out by hand
(`pair_gradients`, checked against GradientTape in the tests); row-wise Adagrad updates that touch
only the embedding rows in the batch (a dense optimizer would rewrite all ~4 M parameters a step).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import engine.build.quiet_tf  # noqa: F401  (before TensorFlow: its start-up log lines go)

# isort: split
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402

from engine.build.progress import progress_bar  # noqa: E402
from engine.build.sampling import PairSampler, prefetched  # noqa: E402
from engine.build.training_config import TrainConfig, epochs_for  # noqa: E402


@dataclass
class TrainResult:
    book_vectors: np.ndarray  # L2-normalised float32
    page_vectors: np.ndarray
    losses: list[float]
    epochs_planned: int  # what the positive budget allowed (training may stop sooner)
    examples: int
    seconds: float
    head_weight: float  # sign tells whether higher cosine means "more likely linked"

    @property
    def examples_per_second(self) -> float:
        return self.examples / self.seconds if self.seconds else 0.0


def build_model(n_books: int, n_pages: int, dim: int = 50, classification: bool = True) -> keras.Model:
    """The article's architecture: Embedding(dim) for books and for pages, Dot(normalize=True),
    then a sigmoid Dense(1) for classification or the raw cosine for regression."""
    book = keras.Input(shape=(), dtype="int32", name="book")
    page = keras.Input(shape=(), dtype="int32", name="page")
    book_vec = layers.Embedding(n_books, dim, name="book_embedding")(book)
    page_vec = layers.Embedding(n_pages, dim, name="page_embedding")(page)
    score = layers.Dot(axes=1, normalize=True, name="dot_product")([book_vec, page_vec])
    if classification:
        score = layers.Dense(1, activation="sigmoid", name="head")(score)
    return keras.Model([book, page], score, name="book_page_embedding")


def normalise_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.maximum(norms, 1e-12)).astype(np.float32)


EPSILON = 1e-7  # keras.backend.epsilon(): BinaryCrossentropy's clip, the floor of Dot's norm


def pair_gradients(book_rows, page_rows, labels, ones, head=None):
    """Loss and gradients of the article's model for a batch, derived by hand (what the tape
    gives through Embedding → Dot(normalize=True) → Dense(sigmoid) → summed BCE, or → summed MSE
    without a head), in few passes over the (n, dim) rows.

    With b̂ = b / |b| and cos = b̂·p̂, d cos / d b = (p̂ − cos b̂) / |b|, so each row's gradient is
    a mix of the two gathered rows: grad_b = alpha * p + beta_b * b, grad_p = alpha * b + beta_p * p
    (per-example coefficients). `ones` is a (dim, 1) tensor of ones. Returns (loss, alpha, beta_b,
    beta_p, squares_b, squares_p, head_grads): squares_* are the mean squared gradients of each
    row (from the row dot products, without materialising the gradients); head_grads is
    (d kernel, d bias), or None without a head.
    """
    # The three row dot products as one matrix-vector product: XLA's CPU row reductions are
    # several times slower. `ones` is an argument, not a constant, or XLA would fold the product
    # back into a reduction.
    products = tf.concat([book_rows * book_rows, page_rows * page_rows,
                          book_rows * page_rows], axis=0)
    bb, pp, bp = tf.unstack(tf.reshape(tf.matmul(products, ones), [3, -1]))
    # Dot(normalize=True) scales by min(rsqrt(|x|²), 1/epsilon); past that floor the scale is
    # a constant and contributes no gradient.
    rb, rp = tf.math.rsqrt(bb), tf.math.rsqrt(pp)
    inv_b, inv_p = tf.minimum(rb, 1 / EPSILON), tf.minimum(rp, 1 / EPSILON)
    cosine = bp * inv_b * inv_p
    if head is None:  # regression: MSE on ±1 labels
        error = cosine - labels
        loss = tf.reduce_sum(error * error)
        d_cosine = 2 * error
        head_grads = None
    else:  # sigmoid, then BinaryCrossentropy on probabilities clipped to [eps, 1 - eps]
        kernel, bias = head
        prob = tf.sigmoid(cosine * kernel + bias)
        clipped = tf.clip_by_value(prob, EPSILON, 1 - EPSILON)
        loss = -tf.reduce_sum(labels * tf.math.log(clipped)
                              + (1 - labels) * tf.math.log(1 - clipped))
        # d loss / d logit = prob - label, zero where the clip holds the probability.
        d_logit = tf.where((prob >= EPSILON) & (prob <= 1 - EPSILON), prob - labels, 0.0)
        d_cosine = d_logit * kernel
        head_grads = (tf.reduce_sum(d_logit * cosine), tf.reduce_sum(d_logit))
    alpha = d_cosine * inv_b * inv_p
    beta_b = -d_cosine * cosine * inv_b * inv_b * tf.cast(rb <= 1 / EPSILON, bb.dtype)
    beta_p = -d_cosine * cosine * inv_p * inv_p * tf.cast(rp <= 1 / EPSILON, pp.dtype)
    dim = tf.cast(book_rows.shape[-1], bb.dtype)
    # |alpha p + beta b|² / dim, expanded; max(0) only guards rounding.
    squares_b = tf.maximum(alpha * alpha * pp + 2 * alpha * beta_b * bp + beta_b * beta_b * bb,
                           0.0) / dim
    squares_p = tf.maximum(alpha * alpha * bb + 2 * alpha * beta_p * bp + beta_p * beta_p * pp,
                           0.0) / dim
    return loss, alpha, beta_b, beta_p, squares_b, squares_p, head_grads


class RowAdagradStep:
    """One XLA-compiled training step with row-wise Adagrad on the Keras model's variables.

    Gradients come from `pair_gradients` (by hand: the tape's graph through the Keras layers
    costs more than the arithmetic), and only the embedding rows in the batch are read and
    written. Row-wise: one accumulator per embedding row, which grows by the mean squared
    gradient of every occurrence of the row in the batch; the row then moves by its summed
    gradient over the root of its accumulator. The small dense head keeps an accumulator per
    weight. The loss is summed, not averaged: each row's gradient keeps its size whatever the
    batch size, which is what a per-row optimizer like Adagrad expects.
    """

    def __init__(self, model: keras.Model, classification: bool, learning_rate: float):
        self.book_table = model.get_layer("book_embedding").embeddings.value
        self.page_table = model.get_layer("page_embedding").embeddings.value
        self.head = None
        if classification:
            head = model.get_layer("head")
            self.head = (head.kernel.value, head.bias.value)
            self.head_accumulators = tuple(tf.Variable(tf.fill(v.shape, 0.1), trainable=False)
                                           for v in self.head)
        self.book_accumulator = tf.Variable(tf.fill([self.book_table.shape[0]], 0.1),
                                            trainable=False)
        self.page_accumulator = tf.Variable(tf.fill([self.page_table.shape[0]], 0.1),
                                            trainable=False)
        self.ones = tf.Variable(tf.ones([self.book_table.shape[1], 1]), trainable=False)
        self.lr = learning_rate
        self.step = tf.function(self._step, jit_compile=True, reduce_retracing=True)

    def _step(self, books, pages, labels):
        book_rows = tf.gather(self.book_table, books)
        page_rows = tf.gather(self.page_table, pages)
        head = None if self.head is None else (self.head[0][0, 0], self.head[1][0])
        loss, alpha, beta_b, beta_p, squares_b, squares_p, head_grads = pair_gradients(
            book_rows, page_rows, labels, self.ones, head)
        # Accumulate every occurrence first, so duplicates in a batch share one step size.
        self.book_accumulator.scatter_add(tf.IndexedSlices(squares_b, books))
        self.page_accumulator.scatter_add(tf.IndexedSlices(squares_p, pages))
        rate_b = self.lr * tf.math.rsqrt(tf.gather(self.book_accumulator, books))
        rate_p = self.lr * tf.math.rsqrt(tf.gather(self.page_accumulator, pages))
        self.book_table.scatter_sub(tf.IndexedSlices(
            (rate_b * alpha)[:, None] * page_rows + (rate_b * beta_b)[:, None] * book_rows, books))
        self.page_table.scatter_sub(tf.IndexedSlices(
            (rate_p * alpha)[:, None] * book_rows + (rate_p * beta_p)[:, None] * page_rows, pages))
        if head_grads is not None:
            for var, acc, grad in zip(self.head, self.head_accumulators, head_grads, strict=True):
                grad = tf.reshape(grad, var.shape)
                acc.assign_add(grad * grad)
                var.assign_sub(self.lr * grad * tf.math.rsqrt(acc))
        return loss / tf.cast(tf.size(labels), loss.dtype)


def pair_loss(model: keras.Model, books: np.ndarray, pages: np.ndarray, labels: np.ndarray,
              classification: bool = True) -> float:
    """Mean loss of a model on fixed pairs, computed in numpy from its weights, so the article's
    model and ours are judged by the same arithmetic (BCE on 1/0 or MSE on ±1)."""
    book_vecs = normalise_rows(model.get_layer("book_embedding").embeddings.numpy()[books])
    page_vecs = normalise_rows(model.get_layer("page_embedding").embeddings.numpy()[pages])
    cosine = np.einsum("ij,ij->i", book_vecs, page_vecs).astype(np.float64)
    if not classification:
        return float(np.mean((cosine - labels) ** 2))
    head = model.get_layer("head")
    logit = cosine * float(head.kernel.numpy().ravel()[0]) + float(head.bias.numpy().ravel()[0])
    # log(1 + e^-x) for label 1, log(1 + e^x) for label 0, without overflow.
    return float(np.mean(np.logaddexp(0.0, np.where(labels > 0.5, -logit, logit))))


def train(pairs: np.ndarray, n_books: int, n_pages: int, config: TrainConfig | None = None,
          progress: bool = True, log=print, on_epoch=None) -> TrainResult:
    """Train the article's model on (book, page) pairs. `on_epoch(epoch, model)` runs after each
    epoch; returning True stops training there (the benchmark uses it to evaluate)."""
    config = config or TrainConfig()
    keras.utils.set_random_seed(config.seed)
    model = build_model(n_books, n_pages, config.dim, config.classification)
    sampler = PairSampler(pairs, n_books, n_pages, config.negative_ratio, config.classification,
                          config.page_power, config.seed, config.positive_power,
                          config.same_book_negatives)
    stepper = RowAdagradStep(model, config.classification, config.learning_rate)
    losses: list[float] = []
    examples, best, stale = 0, np.inf, 0
    started = time.perf_counter()
    planned = epochs_for(config, len(sampler.pairs))
    if planned < config.epochs:
        log(f"{planned} epochs: {config.epochs} would pass the budget of "
            f"{config.positive_budget:,} positive draws")
    bar = progress_bar(planned, "training", "epoch", progress, leave=False)
    for _epoch in range(planned):
        total, batches = 0.0, 0
        for books, pages, labels in prefetched(sampler.epoch(config.batch_positives)):
            total += float(stepper.step(books, pages, labels))
            batches += 1
            examples += len(labels)
        losses.append(total / max(batches, 1))
        bar.update(1)
        bar.set_postfix(loss=f"{losses[-1]:.4f}")
        if on_epoch is not None and on_epoch(len(losses) - 1, model):
            break
        if len(losses) == 1 or losses[-1] < best * (1 - config.min_delta):
            best, stale = losses[-1], 0
        else:
            stale += 1
            if stale >= config.patience:
                log(f"loss plateaued after {len(losses)} epochs")
                break
    bar.close()
    seconds = time.perf_counter() - started
    head_weight = 1.0
    if config.classification:
        head_weight = float(model.get_layer("head").kernel.numpy().ravel()[0])
    page_vectors = normalise_rows(model.get_layer("page_embedding").embeddings.numpy())
    if head_weight < 0:
        # The head learned "lower cosine = linked": flip the pages so book·page always ranks
        # likely links first. Page-to-page and book-to-book cosines are unchanged.
        page_vectors = -page_vectors
    book_vectors = normalise_rows(model.get_layer("book_embedding").embeddings.numpy())
    if config.page_mix:
        book_vectors = mix_page_vectors(book_vectors, page_vectors, pairs, config.page_mix,
                                        config.page_mix_power)
    if config.centre or config.drop_directions:
        book_vectors = without_common_directions(book_vectors, pairs, config.drop_directions)
    return TrainResult(
        book_vectors=book_vectors,
        page_vectors=page_vectors,
        losses=losses, epochs_planned=planned, examples=examples, seconds=seconds, head_weight=head_weight)


def mix_page_vectors(book_vectors: np.ndarray, page_vectors: np.ndarray, pairs: np.ndarray,
                     weight: float, power: float) -> np.ndarray:
    """Unit rows of book + weight x unit(sum of its pages' vectors, each by idf(page) ** power):
    books that share rare pages move together (TrainConfig.page_mix). A book without pages keeps
    its own vector."""
    from scipy import sparse

    n_books, n_pages = len(book_vectors), len(page_vectors)
    pairs = np.asarray(pairs).reshape(-1, 2)
    df = np.bincount(pairs[:, 1], minlength=n_pages)
    idf = np.log(n_books / np.maximum(df, 1)) ** power
    links = sparse.csr_matrix((idf[pairs[:, 1]].astype(np.float32), (pairs[:, 0], pairs[:, 1])),
                              shape=(n_books, n_pages))
    mean = normalise_rows(np.asarray(links @ page_vectors))
    return normalise_rows(book_vectors + weight * mean)



def without_common_directions(book_vectors: np.ndarray, pairs: np.ndarray,
                              drop: int) -> np.ndarray:
    """Unit rows of the book vectors minus the linked books' mean, with the top `drop` principal
    directions of the linked books projected out (TrainConfig.centre / drop_directions): what
    every book shares says nothing about which books are alike. Unlinked books keep their vector."""
    linked = np.zeros(len(book_vectors), dtype=bool)
    linked[np.asarray(pairs).reshape(-1, 2)[:, 0]] = True
    rows = book_vectors[linked].astype(np.float64)
    rows -= rows.mean(0)
    if drop:
        # Principal directions from the small dim x dim scatter matrix, not an SVD of every row.
        _, directions = np.linalg.eigh(rows.T @ rows)
        top = directions[:, ::-1][:, :drop].T
        rows -= (rows @ top.T) @ top
    out = book_vectors.copy()
    out[linked] = normalise_rows(rows)
    return out
