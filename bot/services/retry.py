"""Named retry policies: capped exponential backoff with jitter."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait before attempt number `attempt` (1 = the first retry)."""

    base: float = 2.0
    cap: float = 300.0
    jitter: float = 0.25
    max_attempts: int | None = None

    def delay(self, attempt: int) -> float:
        raw = min(self.cap, self.base * 2 ** max(0, attempt - 1))
        spread = raw * self.jitter
        return max(0.0, raw + random.uniform(-spread, spread))

    def gives_up_after(self, attempts: int) -> bool:
        return self.max_attempts is not None and attempts >= self.max_attempts


OUTBOX = RetryPolicy(base=2.0, cap=600.0, max_attempts=15)
# A running download that lost the database waits for it to come back: about half an hour,
# then it gives up and the next start queues the job again.
DATABASE_RETURN = RetryPolicy(base=1.0, cap=30.0, jitter=0.25, max_attempts=60)
