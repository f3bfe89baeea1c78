"""A per-user token bucket shared by the adapters: a flood from one user is answered "slow down"
at once (no engine or database work), so it cannot slow anyone else down."""

from __future__ import annotations

import time

MAX_TRACKED = 100_000  # users remembered at once; idle (full) buckets are dropped first


class Throttle:
    def __init__(self, burst: int = 8, per_second: float = 1.0, clock=time.monotonic):
        if burst < 1 or per_second <= 0:
            raise ValueError("burst must be >= 1 and per_second > 0")
        self.burst = burst
        self.per_second = per_second
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # user -> (tokens, when)

    def hit(self, user: str) -> float:
        """Take one command's token: 0.0 when the command may run, else seconds to wait."""
        now = self._clock()
        tokens, when = self._buckets.get(user, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - when) * self.per_second)
        if tokens < 1.0:
            self._buckets[user] = (tokens, now)
            return (1.0 - tokens) / self.per_second
        self._buckets[user] = (tokens - 1.0, now)
        if len(self._buckets) > MAX_TRACKED:
            self._forget_idle(now)
        return 0.0

    def _forget_idle(self, now: float) -> None:
        refill = self.burst / self.per_second
        self._buckets = {u: b for u, b in self._buckets.items() if now - b[1] < refill}

    def reset(self) -> None:
        self._buckets.clear()
