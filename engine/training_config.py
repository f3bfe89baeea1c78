"""Training parameters, importable without TensorFlow."""

from dataclasses import asdict, dataclass


@dataclass
class TrainConfig:
    dim: int = 50
    epochs: int = 15
    batch_positives: int = 2048  # x (1 + negative_ratio) examples a step; measured fastest here
    negative_ratio: int = 10  # 5 -> 10: +1 point same-author, +1 leave-one-out (EVALUATION.md)
    classification: bool = True  # sigmoid + BCE on 1/0; False: the article's MSE on ±1
    learning_rate: float = 0.2  # row-wise Adagrad; chosen by held-out recall (issue 2 report)
    # Negative pages drawn by frequency ** page_power (0: uniform, the article's): 0.5 makes hub
    # pages (countries, "novel") real negatives, like IDF; chosen in EVALUATION.md.
    page_power: float = 0.5
    # Positive pairs drawn by idf(page) ** positive_power (0: each pair once an epoch, the
    # article's): rare, telling pages count more than hubs.
    positive_power: float = 0.0
    # Negatives keep the positive's book and draw only the page (word2vec); False: both random.
    same_book_negatives: bool = False
    patience: int = 2  # epochs without a relative loss improvement of min_delta
    min_delta: float = 1e-3
    seed: int = 0

    def to_dict(self) -> dict:
        return asdict(self)
