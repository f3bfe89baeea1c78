"""Errors the engine raises on purpose, each with a message a person can act on."""

BUILD_COMMAND = "python scripts/build_model.py"
FETCH_COMMAND = "python scripts/fetch_data.py"


class WikishelfError(Exception):
    """Base class: an expected failure with a clear, short message."""


class ModelDirError(WikishelfError):
    """The model directory is missing, partial, corrupt or from an incompatible version."""

    def __init__(self, model_dir, problem: str):
        super().__init__(
            f"Model directory {model_dir} is not usable: {problem}. "
            f"Build it with: {BUILD_COMMAND} --out {model_dir}"
        )
        self.model_dir = model_dir


class DataError(WikishelfError):
    """Input data is missing or failed verification."""
