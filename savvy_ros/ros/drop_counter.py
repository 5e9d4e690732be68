"""Count dropped inputs by kind and log each kind once (then every `every`-th time), never raising."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class DropCounter:
    log: Callable[[str], None]
    every: int = 100
    counts: Counter = field(default_factory=Counter)

    def drop(self, kind: str, detail: str) -> None:
        self.counts[kind] += 1
        n = self.counts[kind]
        if n == 1 or n % self.every == 0:
            self.log(f'dropped {kind} ({n} so far): {detail}')
