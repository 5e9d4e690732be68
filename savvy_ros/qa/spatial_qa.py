"""The question service's core: request in, result out, never an exception.

Parse (with the caller's structured hints overriding what was parsed), ground, answer. Every
failure becomes success=False with a specific, human-readable reason; this is what the ROS
service and the `savvy-ros ask` CLI return.
"""
from __future__ import annotations

import dataclasses
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from savvy_ros.mapping.errors import MapQueryError
from savvy_ros.mapping.map_view import MapView
from savvy_ros.qa.answering import QuestionAnswerer, SpatialAnswer
from savvy_ros.qa.errors import EmptyMapError, QuestionError, UnparseableQuestionError
from savvy_ros.qa.grounding import GroundingThresholds, MapIndex, Retranscribe, SnapshotWindow
from savvy_ros.qa.phrase_matcher import PhraseMatcher
from savvy_ros.qa.question import WEARER, ObjectRef, ParsedQuestion, RefKind
from savvy_ros.qa.question_parser import normalise, object_ref, parse_question

_log = logging.getLogger(__name__)
_TASK = re.compile(r'^(?:spatial_temporal_audio_)?(?P<task>direction|distance)_(?P<persp>ego|exo)$')


@dataclass
class AskRequest:
    question: str
    options: list[str] = field(default_factory=list)
    window: tuple[float, float] | None = None
    task: str = ''                 # hints; '' = not given
    target: str = ''
    reference: str = ''
    facing: str = ''
    best_guess: bool = False


@dataclass
class AskResult:
    success: bool
    error: str = ''
    error_code: str = ''
    answer: SpatialAnswer | None = None
    parsed: ParsedQuestion | None = None


def _ref(words: str) -> ObjectRef:
    return object_ref(normalise(words))


def apply_hints(parsed: ParsedQuestion | None, request: AskRequest) -> ParsedQuestion:
    """Structured hints override the parse; with a task and a target they stand in for it."""
    if request.task:
        match = _TASK.match(request.task.strip())
        if not match:
            raise UnparseableQuestionError(f'unknown task hint {request.task!r} (expected e.g. '
                                           '"spatial_temporal_audio_direction_ego")')
        task, perspective = match.group('task'), match.group('persp')
    elif parsed is not None:
        task, perspective = parsed.task, parsed.perspective
    else:
        raise UnparseableQuestionError('the question could not be parsed and no task hint was given')
    if parsed is None:
        if not request.target:
            raise UnparseableQuestionError('the question could not be parsed and no target hint was given')
        parsed = ParsedQuestion(task, perspective, 'hard', _ref(request.target), WEARER, None, None)
    changes: dict[str, object] = {'task': task, 'perspective': perspective}
    if request.target:
        changes['target'] = _ref(request.target)
    if request.reference:
        changes['reference'] = _ref(request.reference)
    elif perspective == 'ego':
        changes['reference'] = WEARER
    if request.facing:
        changes['facing'] = _ref(request.facing)
    result = dataclasses.replace(parsed, **changes)
    if result.perspective == 'exo' and result.reference.kind is RefKind.WEARER:
        raise UnparseableQuestionError('an allocentric (exo) question needs a reference object to stand at')
    if result.task == 'direction' and result.perspective == 'exo' and result.facing is None:
        raise UnparseableQuestionError('an allocentric direction question needs an object to face')
    return result


class SpatialQA:
    """Answers AskRequests against the latest map view."""

    def __init__(self, matcher: PhraseMatcher, thresholds: GroundingThresholds = GroundingThresholds(),
                 retranscribe: Retranscribe | None = None) -> None:
        """`retranscribe`: kept speech transcribed again toward a question's topic (None: first-pass transcripts only)."""
        self.matcher, self.thresholds, self.retranscribe = matcher, thresholds, retranscribe
        self._index: MapIndex | None = None   # of the last view asked about: maps change less than questions

    def ask(self, request: AskRequest, view: MapView | None,
            snapshots: Sequence[SnapshotWindow] = ()) -> AskResult:
        try:
            return self._ask(request, view, list(snapshots))
        except QuestionError as exc:
            return AskResult(False, str(exc), exc.code)
        except MapQueryError as exc:
            return AskResult(False, f'the map cannot answer this: {exc}', 'map_query')
        except Exception as exc:  # noqa: BLE001 - the service must answer, whatever went wrong
            _log.exception('internal error answering %r', request.question)
            return AskResult(False, f'internal error ({type(exc).__name__}: {exc}); please report it', 'internal')

    def _ask(self, request: AskRequest, view: MapView | None, snapshots: list[SnapshotWindow]) -> AskResult:
        options = [o for o in request.options]
        try:
            parsed: ParsedQuestion | None = parse_question(request.question, options)
        except UnparseableQuestionError:
            if not (request.task and request.target):
                raise
            parsed = None
        parsed = apply_hints(parsed, request)
        if view is None:
            raise EmptyMapError('no map has been received yet (is the map node running and publishing /savvy/map?)')
        window = request.window
        if window is not None and not all(math.isfinite(t) for t in window):
            window = (float('nan'), float('nan'))
        if self._index is None or self._index.view is not view:
            self._index = MapIndex(view)
        answerer = QuestionAnswerer(view, self.matcher, thresholds=self.thresholds, best_guess=request.best_guess,
                                    index=self._index, retranscribe=self.retranscribe)
        answer = answerer.answer(parsed, options if parsed.task == 'direction' else (), request.question,
                                 window, snapshots)
        return AskResult(True, answer=answer, parsed=parsed)
