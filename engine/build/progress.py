"""The build's progress bars, one kind for every long step (training, reading a dump, the API)."""

from __future__ import annotations


def progress_bar(total: float | None, desc: str, unit: str, enabled: bool = True, **options):
    """A tqdm bar; a disabled one accepts the same calls and draws nothing. Use it with `with`."""
    from tqdm import tqdm  # build-time only: the serving install has no tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=not enabled, dynamic_ncols=True,
                **options)
