"""Which time an event was heard: "when the dog barks for the second time", "the last time it beeped".

A sound heard again matches the question's words about as well as the first time did (the tags of a
dog's two barks are alike), so the times it was heard are the events matching nearly as well as the
best one, in time order; events of one sound heard in pieces (a gap under OCCURRENCE_GAP_S, or
overlapping) are one time. Plain functions on (score, event) pairs, no map access here.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from savvy_ros.mapping.map_view import MapEventView

# An event matching at least this share of the best match is the same thing heard another time. On the
# bench's repeated sounds (a cat's three meows, a dog's two barks, a tap run twice) the repeats score
# 0.8-1.0 of the best and other sounds under 0.3 of it.
OCCURRENCE_SHARE = 0.8
OCCURRENCE_GAP_S = 1.0     # [s] matching events closer than this are one time heard (split by a pause or a tag change)

ORDINAL_WORDS = {1: 'first', 2: 'second', 3: 'third', 4: 'fourth', 5: 'fifth', -1: 'last'}


@dataclass(frozen=True)
class Occurrence:
    start: float              # [s] of its first event
    end: float                # [s] of its last event
    score: float              # its best event's match
    event: MapEventView       # its best-matching event (the earliest among equals)


def ordinal_word(n: int) -> str:
    return ORDINAL_WORDS.get(n, f'{n}th')


def occurrences(scored: Sequence[tuple[float, MapEventView]], threshold: float = 0.0) -> list[Occurrence]:
    """The times the matched thing was heard, in time order: events scoring at least `threshold` and
    OCCURRENCE_SHARE of the best (empty when none does)."""
    if not scored:
        return []
    floor = max(threshold, OCCURRENCE_SHARE * max(score for score, _ in scored))
    matching = sorted(((s, e) for s, e in scored if s >= floor), key=lambda se: (se[1].start, se[1].id))
    groups: list[list[tuple[float, MapEventView]]] = []
    for score, event in matching:
        if groups and event.start <= max(e.end for _, e in groups[-1]) + OCCURRENCE_GAP_S:
            groups[-1].append((score, event))
        else:
            groups.append([(score, event)])
    found = []
    for group in groups:
        score, event = min(group, key=lambda se: (-round(se[0], 6), se[1].start, se[1].id))
        found.append(Occurrence(group[0][1].start, max(e.end for _, e in group), score, event))
    return found


def nth_occurrence(found: Sequence[Occurrence], n: int) -> Occurrence | None:
    """The n-th (1-based; -1 = the last) of `found`, None when it was not heard that many times."""
    if not found or n == 0:
        return None
    if n == -1:
        return found[-1]
    return found[n - 1] if 1 <= n <= len(found) else None
