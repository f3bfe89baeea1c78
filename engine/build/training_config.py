"""Training parameters, importable without TensorFlow."""

from dataclasses import asdict, dataclass


@dataclass
class TrainConfig:
    dim: int = 64  # 50 -> 64: +0.5 point recall@10 at the same build time (EVALUATION.md)
    epochs: int = 40  # idf-weighted positives keep improving past 15 epochs
    batch_positives: int = 2048  # x (1 + negative_ratio) examples a step; measured fastest here
    negative_ratio: int = 10  # 5 -> 10: +1 point same-author, +1 leave-one-out (EVALUATION.md)
    classification: bool = True  # sigmoid + BCE on 1/0; False: the article's MSE on ±1
    learning_rate: float = 0.3  # row-wise Adagrad; 0.2 -> 0.3 with the recipe below: +1 point loo
    # Negative pages drawn by frequency ** page_power (0: uniform, the article's): 0.5 makes hub
    # pages (countries, "novel") real negatives, like IDF; chosen in EVALUATION.md.
    page_power: float = 0.5
    # Positive pairs drawn by idf(page) ** positive_power (0: each pair once an epoch, the
    # article's): rare, telling pages count more than hubs.
    positive_power: float = 1.5  # chosen in EVALUATION.md
    # Negatives keep the positive's book and draw only the page (word2vec); False: both random.
    same_book_negatives: bool = True  # +1 point leave-one-out (EVALUATION.md)
    patience: int = 2  # epochs without a relative loss improvement of min_delta
    min_delta: float = 1e-3
    seed: int = 0

    def to_dict(self) -> dict:
        return asdict(self)
