"""Looking at a PNG from a test: its size, and which of a set of colours it really shows."""

from pathlib import Path

import numpy as np
from matplotlib.colors import to_rgb
from matplotlib.image import imread

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def read_png(path: Path) -> np.ndarray:
    assert Path(path).read_bytes()[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    return imread(path)[..., :3]


def colours_present(image: np.ndarray, colours, min_pixels: int = 5, tol: float = 0.06) -> list:
    """The colours (hex or names) that at least `min_pixels` pixels match within `tol`."""
    pixels = image.reshape(-1, 3)
    found = []
    for colour in colours:
        close = np.abs(pixels - np.asarray(to_rgb(colour))).max(axis=1) <= tol
        if close.sum() >= min_pixels:
            found.append(colour)
    return found
