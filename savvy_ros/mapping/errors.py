"""Errors of the map query API; each message names the object or the time at fault."""
from __future__ import annotations


class MapQueryError(LookupError):
    """Base class: a question the map cannot answer."""


class UnknownObjectError(MapQueryError):
    def __init__(self, object_id: int, known: int) -> None:
        self.object_id = object_id
        super().__init__(f'no map object with id {object_id} (the map holds {known} objects)')


class OutsideSpanError(MapQueryError):
    """A time outside the span the data covers (plus the allowed extrapolation)."""

    def __init__(self, what: str, t: float, span: tuple[float, float], allowance: float = 0.0) -> None:
        self.what, self.t, self.span = what, t, span
        extra = f' (+/- {allowance:g} s extrapolation)' if allowance > 0.0 else ''
        super().__init__(f'{what}: time {t:.3f} s is outside the covered span '
                         f'{span[0]:.3f} .. {span[1]:.3f} s{extra}')


class EmptyMapError(MapQueryError):
    def __init__(self, what: str) -> None:
        super().__init__(f'the map has no {what} yet')
