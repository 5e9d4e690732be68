"""Answer a parsed, grounded question from the map: viewpoint, target, angle or distance.

The SAVVY conventions themselves (signed angle positive = right, left/right/back and quadrant
words, option letters) live in savvy_conventions; this module only decides *which* points and
which facing go into them:
  ego  viewpoint = the wearer's mean position and circular-mean facing over the event window;
  exo  viewpoint = standing at the reference object, facing the facing object;
  target position = its mean over the window (moving objects are sampled along the window).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
import dataclasses
from dataclasses import dataclass, field

import numpy as np

from savvy_ros.mapping.errors import EmptyMapError as MapEmptyError
from savvy_ros.mapping.errors import OutsideSpanError
from savvy_ros.mapping.map_view import MapEventView, MapObjectView, MapView
from savvy_ros.qa.errors import (EmptyMapError, InvalidWindowError, MalformedOptionsError, SourceNotLocatedError,
                                 TimeOutsideRecordingError, UnknownObjectError)
from savvy_ros.qa.grounding import (GroundedEvent, GroundingThresholds, MapIndex, Retranscribe, SnapshotWindow,
                                    ground_event, ground_object)
from savvy_ros.qa.phrase_matcher import PhraseMatcher
from savvy_ros.qa.question import EventAnchor, ObjectRef, ParsedQuestion, RefKind
from savvy_ros.qa.savvy_conventions import (FRONT_THRESHOLD_DEG, OptionsError, Viewpoint, direction_letter,
                                            direction_word, distance_2d, signed_angle_deg)

NOW_WINDOW = 1.0          # [s] "now" = the last second of the map
WINDOW_SAMPLES = 9        # positions of moving objects averaged over the window
HOLD_SECONDS = 15.0       # [s] an untracked object's nearest tracked position is used up to this gap
HOLD_DRIFT = 0.3          # [m/s] growth of its uncertainty over the gap
BEARING_RANGE = 2.0       # [m] assumed distance of a heard-but-unplaced source along its bearing (empty map)
BEARING_RANGE_SIGMA = 1.5  # [m] how little that assumption is worth
WEARER_STANCE_SCORE = 0.1  # grounding score of an exo viewpoint the wearer stands in for (best guess)
ROOM_SCALE_MIN = 0.5      # [m] objects nearer than this to the listener say nothing of the room's scale
SEEN_MODALITIES = frozenset({'vision', 'snapshot'})   # an object placed by any of these was seen, not only heard


@dataclass
class SpatialAnswer:
    answer: str                      # option letter, direction word, 'yes'/'no', or the distance
    answer_text: str
    value: float                     # SAVVY degrees (positive = right) or metres
    value_unit: str                  # 'deg' or 'm'
    confidence: float                # [0, 1]
    explanation: str
    evidence_ids: list[str] = field(default_factory=list)
    window: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True)
class LocatedPoint:
    xy: np.ndarray                   # (2,) world frame [m]
    sigma: float                     # [m] horizontal one-sigma uncertainty
    label: str
    evidence: tuple[str, ...]
    score: float                     # grounding score
    stands_in: bool = False          # an object the phrase only qualifies, for where the thing named is


def _link_confidence(grounding_score: float, heard: MapEventView) -> float:
    """Confidence in an event's source taken from its object link: the grounding's, capped by the link
    (whose score counts at least 0.5: a weak link still names a plausible source)."""
    return min(grounding_score, max(heard.link_score, 0.5))


def _object_ids(evidence: Sequence[str]) -> set[int]:
    """The map object ids among evidence ids ('object/N')."""
    return {int(e.split('/')[1]) for e in evidence if e.startswith('object/')}


def _fmt(xy: np.ndarray) -> str:
    return f'({xy[0]:.2f}, {xy[1]:.2f})'


class QuestionAnswerer:
    """Everything between a ParsedQuestion and a SpatialAnswer, for one map view."""

    def __init__(self, view: MapView, matcher: PhraseMatcher, *,
                 thresholds: GroundingThresholds = GroundingThresholds(), best_guess: bool = False,
                 index: MapIndex | None = None, retranscribe: Retranscribe | None = None) -> None:
        self.view, self.matcher, self.thresholds, self.best_guess = view, matcher, thresholds, best_guess
        self.retranscribe = retranscribe   # speech heard again toward a topic (the hearing node's service)
        self.index = index if index is not None and index.view is view else MapIndex(view)
        self._anchor_kind: str | None = None   # of the question being answered
        self._question: ParsedQuestion | None = None

    # -- time ------------------------------------------------------------------------------

    def window(self, question: ParsedQuestion, explicit: tuple[float, float] | None, text: str,
               snapshots: list[SnapshotWindow] | None) -> GroundedEvent | None:
        try:
            first, last = self.view.time_span()
        except MapEmptyError as exc:
            raise EmptyMapError(f'cannot answer yet: {exc}') from exc
        if explicit is not None:
            start, end = explicit
            if not (math.isfinite(start) and math.isfinite(end)) or end < start:
                raise InvalidWindowError(f'the event window {start} .. {end} s is not a valid interval'
                                         f'{" (it ends before it starts)" if end < start else ""}')
            if end < first or start > last:
                raise TimeOutsideRecordingError(f'the event window {start:.2f} .. {end:.2f} s is outside the '
                                                f'recording, which covers {first:.2f} .. {last:.2f} s')
            return GroundedEvent(start, end, None, 1.0, 'request', 'the requested window')
        if question.anchor is None:
            return None
        return ground_event(question.anchor, self.view, self.matcher, thresholds=self.thresholds,
                            best_guess=self.best_guess, snapshots=snapshots, question=text, index=self.index,
                            retranscribe=self.retranscribe)

    def _now_window(self) -> tuple[float, float]:
        last = self.view.time_span()[1]
        return last - NOW_WINDOW, last

    # -- points ----------------------------------------------------------------------------

    def _object_xy(self, object_id: int, t0: float, t1: float) -> tuple[np.ndarray, float]:
        obj = self.view.object(object_id)
        sigma = math.sqrt(max(float(np.trace(np.asarray(obj.covariance)[:2, :2])) / 2.0, 0.0))
        times = np.linspace(t0, t1, WINDOW_SAMPLES) if t1 > t0 else np.array([t0])
        try:
            points = np.array([self.view.position_at(object_id, float(t)) for t in times])
        except OutsideSpanError as exc:
            # Not tracked during the window: hold the nearest tracked position, its uncertainty
            # growing with the gap (a person walks away); too long a gap is a refusal.
            track_t = obj.trajectory_times if obj.trajectory_times.shape[0] else np.array([obj.last_seen])
            track_p = obj.trajectory_positions if obj.trajectory_times.shape[0] else \
                np.asarray(obj.position, float).reshape(1, 3)
            end = 0 if t1 < track_t[0] else -1
            gap = float(track_t[0] - t1 if end == 0 else t0 - track_t[-1])
            if gap > HOLD_SECONDS and not self.best_guess:
                raise TimeOutsideRecordingError(f'"{obj.label}" (object {obj.id}) was not tracked then: {exc}') \
                    from exc
            return np.asarray(track_p[end][:2], float), math.hypot(sigma, HOLD_DRIFT * max(gap, 0.0))
        return points[:, :2].mean(axis=0), sigma

    def locate(self, ref: ObjectRef, event: GroundedEvent | None, t0: float, t1: float,
               exclude: set[int] | None = None) -> LocatedPoint:
        if ref.kind is RefKind.WEARER:
            position, _ = self._body(t0, t1)
            return LocatedPoint(position[:2], 0.05, 'you', (), 1.0)
        if ref.kind is RefKind.NAMED:
            grounded = ground_object(ref, self.view, self.matcher, thresholds=self.thresholds,
                                     best_guess=self.best_guess, exclude=exclude, index=self.index)
            if grounded.stands_in:
                point = self._at_object(grounded.object, t0, t1, grounded.score,
                                        note=f', standing in for "{ref.text}", which the map lacks; best guess')
                return dataclasses.replace(point, stands_in=True)
            unsure = f': the closest to "{ref.text}"; best guess' if grounded.score < self.thresholds.object else ''
            return self._at_object(grounded.object, t0, t1, grounded.score, note=unsure)
        if ref.kind is RefKind.TALKER:
            return self._talker(ref, t0, t1)
        # The event's source: its linked object, else where the map placed the sound.
        heard = event.event if event is not None else None
        if heard is None and event is not None:
            heard = self._heard_in_window(t0, t1)
        if heard is None:
            raise SourceNotLocatedError(f'"{ref}" is the source of an event, but nothing placed was heard during '
                                        f'{event.description if event else "the window"} ({t0:.2f}-{t1:.2f} s)')
        evidence = (f'event/{heard.id}',)
        obj = self._linked_object(heard)
        if obj is not None:
            score = _link_confidence(event.score, heard)
            if heard.bearing_direction is not None and heard.bearing_origin is not None and \
                    not obj.modalities & SEEN_MODALITIES:
                on_bearing = self._on_bearing_at_object_range(heard, obj, t0, t1, score, evidence)
                if on_bearing is not None:
                    return on_bearing
            return self._at_object(obj, t0, t1, score, evidence=evidence)
        if event is not None and event.heard_from is not None and event.event is heard:
            # the object the phrase names, where the event was heard from
            return self._at_object(event.heard_from, t0, t1, event.score, ', heard from there', evidence)
        if heard.source_position is not None:
            return LocatedPoint(np.asarray(heard.source_position, float)[:2], 0.5,
                                f'the source of event {heard.id}', evidence, event.score * 0.8)
        if event is not None and event.named_source is not None and event.event is heard:
            # Before the bearing: one pointing at no object of the name is as likely another sound
            # heard over it (a tap running under a kettle's beep) as this one.
            how = ('heard without a direction' if heard.bearing_direction is None else
                   f'heard from a direction with no "{event.named_source.label}" in it')
            return self._at_object(event.named_source, t0, t1, event.score * 0.6,
                                   f': the question names it, and the sound was {how}; best guess', evidence)
        along = self._along_bearing(heard, event)
        if along is not None:
            return along
        raise SourceNotLocatedError(f'{event.description} at {heard.start:.2f} s was heard, but the map has not '
                                    'located its source (no linked object and no source position)')

    def _talker(self, ref: ObjectRef, t0: float, t1: float) -> LocatedPoint:
        """Whoever said `ref.text` (the object their speech is linked to), where they were over [t0, t1]:
        "where was the person talking about tea when the dog barked?"."""
        spoken = ground_event(EventAnchor('speech', ref.text), self.view, self.matcher, thresholds=self.thresholds,
                              best_guess=self.best_guess, index=self.index, retranscribe=self.retranscribe)
        heard = spoken.event
        obj = self._linked_object(heard) if heard is not None else None
        if obj is None:
            raise SourceNotLocatedError(f'the one who said "{ref.text}" was heard ({spoken.description}), but the '
                                        'map has not placed who said it')
        return self._at_object(obj, t0, t1, _link_confidence(spoken.score, heard),
                               note=f', who spoke in {spoken.description}', evidence=(f'event/{heard.id}',))

    def _linked_object(self, heard: MapEventView) -> MapObjectView | None:
        """The map object event `heard` is linked to; None when unlinked or linked to one since dropped."""
        if not heard.object_id:
            return None
        try:
            return self.view.object(heard.object_id)
        except LookupError:
            return None

    def _at_object(self, obj: MapObjectView, t0: float, t1: float, confidence: float, note: str = '',
                   evidence: tuple[str, ...] = ()) -> LocatedPoint:
        """Where map object `obj` was over the window, described as '"label" (object N<note>)'."""
        xy, sigma = self._object_xy(obj.id, t0, t1)
        return LocatedPoint(xy, sigma, f'"{obj.label}" (object {obj.id}{note})', (f'object/{obj.id}', *evidence),
                            confidence)

    def _on_bearing_at_object_range(self, heard: MapEventView, obj: MapObjectView, t0: float, t1: float,
                                    score: float, evidence: tuple[str, ...]) -> LocatedPoint | None:
        """An event linked to an object placed only from sound: in the direction the event was heard
        from, at the object's range. Such an object is triangulated from bearings heard over the whole
        recording, of every sound the map merged into it (b07: a talker behind the wearer, a radio
        and a knocking door 1.5-3 m apart became one source); the event's own bearing was measured
        from where the wearer stood then (the talker's: 0.5 and 8 deg off, the merged object's 38-42)."""
        origin = np.asarray(heard.bearing_origin, float)[:2]
        direction = np.asarray(heard.bearing_direction, float)[:2]
        norm = float(np.hypot(*direction))
        xy, sigma = self._object_xy(obj.id, t0, t1)
        distance = float(np.hypot(*(xy - origin)))
        if norm < 1e-6 or distance < 1e-6:
            return None
        return LocatedPoint(origin + distance * direction / norm, sigma,
                            f'"{obj.label}" (object {obj.id}, placed by sound only: at its range, in the direction '
                            'this event was heard from)', (f'object/{obj.id}', *evidence), score)

    def _along_bearing(self, heard: MapEventView, event: GroundedEvent) -> LocatedPoint | None:
        """A source that was heard but not placed, on its heard bearing (the egocentric audio track).

        Its direction from the wearer is measured, its range is not: an egocentric direction
        question needs no range, so that answer stands; distances and other viewpoints need one,
        and get an assumed range only when the caller asked for a best guess: the median distance
        of the map's static objects from where the wearer stood, the scale of the room the sound
        came from (a fixed 2 m was short in large rooms: the bench's unplaced sources were 1.6 to
        6.9 m away), BEARING_RANGE in an empty map.
        """
        if heard.bearing_direction is None or heard.bearing_origin is None:
            return None
        ego_direction = self._question is not None and self._question.task == 'direction' and \
            self._question.perspective == 'ego'
        if not (ego_direction or self.best_guess):
            return None
        direction = np.asarray(heard.bearing_direction, float)[:2]
        norm = float(np.hypot(*direction))
        if norm < 1e-6:
            return None   # straight up or down: no horizontal direction
        origin = np.asarray(heard.bearing_origin, float)[:2]
        distance, basis = self._room_scale(origin)
        xy = origin + distance * direction / norm
        if ego_direction:
            sigma = distance * math.tan(min(max(heard.bearing_spread, math.radians(5.0)), math.radians(60.0)))
            label = f'the heard direction of event {heard.id}'
        else:
            sigma = BEARING_RANGE_SIGMA
            label = f'the heard direction of event {heard.id} at an assumed {distance:.1f} m ({basis}; best guess)'
        return LocatedPoint(xy, sigma, label, (f'event/{heard.id}',), event.score * 0.8)

    def _room_scale(self, origin: np.ndarray) -> tuple[float, str]:
        """Median distance of the map's static objects from `origin`, and how it was found."""
        points = np.array([np.asarray(o.position, float)[:2] for o in self.view.objects if o.is_static])
        distances = np.linalg.norm(points - origin, axis=1) if points.size else np.zeros(0)
        distances = distances[np.isfinite(distances) & (distances > ROOM_SCALE_MIN)]
        if distances.size == 0:
            return BEARING_RANGE, 'no mapped object to scale the room'
        count = f'{distances.size} mapped objects' if distances.size > 1 else 'the one mapped object'
        return float(np.median(distances)), f'the median distance of {count}'

    def _heard_in_window(self, t0: float, t1: float) -> MapEventView | None:
        """With a window from a snapshot or the caller: the placed event overlapping it most (else
        the one heard with a bearing)."""
        kind = self._anchor_kind
        heard = [e for e in self.view.sound_events_in_window(t0, t1) if kind is None or e.kind == kind]
        placed = [e for e in heard if e.object_id or e.source_position is not None] or \
            [e for e in heard if e.bearing_direction is not None]
        if not placed:
            return None
        return max(placed, key=lambda e: (min(e.end, t1) - max(e.start, t0), e.link_score, -e.id))

    def _body(self, t0: float, t1: float) -> tuple[np.ndarray, float]:
        try:
            return self.view.mean_body_pose(t0, t1)
        except MapEmptyError as exc:
            raise EmptyMapError(f'cannot place you: {exc}') from exc
        except OutsideSpanError as exc:
            raise TimeOutsideRecordingError(f'where you stood is unknown then: {exc}') from exc

    # -- answers ---------------------------------------------------------------------------

    def answer(self, question: ParsedQuestion, options: Sequence[str] = (), text: str = '',
               explicit_window: tuple[float, float] | None = None,
               snapshots: list[SnapshotWindow] | None = None) -> SpatialAnswer:
        self._anchor_kind = question.anchor.kind if question.anchor is not None else None
        self._question = question
        event = self.window(question, explicit_window, text, snapshots)
        t0, t1 = (event.start, event.end) if event is not None else self._now_window()
        when = (f'during {event.description} ({t0:.2f}-{t1:.2f} s)' if event is not None
                else f'now ({t1:.2f} s)')
        evidence = [f'event/{event.event.id}'] if event is not None and event.event is not None else []
        target = self.locate(question.target, event, t0, t1)
        if question.task == 'distance':
            return self._distance(question, event, target, t0, t1, when, evidence)
        return self._direction(question, options, event, target, t0, t1, when, evidence)

    def _distance(self, question: ParsedQuestion, event: GroundedEvent | None, target: LocatedPoint,
                  t0: float, t1: float, when: str, evidence: list[str]) -> SpatialAnswer:
        exclude = _object_ids(target.evidence)
        reference = self._exo_point(question.reference, event, t0, t1, exclude)
        if reference is None:   # best guess, the object is not in the map: measured from the wearer instead
            position, _ = self._body(t0, t1)
            reference = LocatedPoint(np.asarray(position[:2], float), 0.05,
                                     f'where you stood ({self._missing(question.reference, exclude)}; best guess)',
                                     (), WEARER_STANCE_SCORE)
        distance = distance_2d(target.xy, reference.xy)
        sigma = math.hypot(target.sigma, reference.sigma)
        confidence = min(target.score, reference.score, event.score if event else 1.0) * \
            math.exp(-sigma / max(distance, 0.5))
        explanation = (f'{when}, {target.label} was at {_fmt(target.xy)} and {reference.label} at '
                       f'{_fmt(reference.xy)} in the {self.view.frame_id} frame: {distance:.2f} m apart on the floor.')
        return SpatialAnswer(f'{distance:.2f}', f'{distance:.2f} m', distance, 'm', float(confidence), explanation,
                             _merge(evidence, reference.evidence, target.evidence), (t0, t1))

    def _viewpoint(self, question: ParsedQuestion, event: GroundedEvent | None, t0: float, t1: float,
                   target: LocatedPoint) -> tuple[Viewpoint, str, tuple[str, ...], float, float]:
        if question.perspective == 'ego':
            position, yaw = self._body(t0, t1)
            viewpoint = Viewpoint((float(position[0]), float(position[1])), (math.cos(yaw), math.sin(yaw)))
            return viewpoint, f'you stood at {_fmt(position)} facing {math.degrees(yaw):.0f} deg', (), 1.0, 0.05
        exclude = _object_ids(target.evidence)
        reference = self._exo_point(question.reference, event, t0, t1, exclude)
        facing = self._exo_point(question.facing, event, t0, t1,
                                 exclude | _object_ids(reference.evidence if reference else ()))
        if reference is None or facing is None:
            return self._wearer_stance(question, reference, facing, t0, t1, exclude)
        forward = facing.xy - reference.xy
        if float(np.hypot(*forward)) < 1e-6:
            raise UnknownObjectError(f'{reference.label} and {facing.label} are at the same place: '
                                     'no facing direction')
        viewpoint = Viewpoint((float(reference.xy[0]), float(reference.xy[1])), (float(forward[0]), float(forward[1])))
        text = f'standing at {reference.label} {_fmt(reference.xy)} facing {facing.label} {_fmt(facing.xy)}'
        return viewpoint, text, (*reference.evidence, *facing.evidence), min(reference.score, facing.score), \
            reference.sigma

    def _exo_point(self, ref: ObjectRef | None, event: GroundedEvent | None, t0: float, t1: float,
                   exclude: set[int]) -> LocatedPoint | None:
        """locate(); with best_guess, None for a named object the map has no object for: none left to
        stand for it, or only ones the service would refuse (similarity below the object threshold).
        An unrelated object would put the viewpoint anywhere in the room; the wearer's stance is the
        better guess (re-answering the bench maps: exo direction 44.8 -> 51.4 %). An object the phrase
        only qualifies is not unrelated: the cat's place is a guess at its basket's."""
        named_guess = self.best_guess and ref is not None and ref.kind is RefKind.NAMED
        try:
            point = self.locate(ref, event, t0, t1, exclude=exclude)
        except UnknownObjectError:
            if not named_guess:
                raise
            return None
        return None if named_guess and point.score < self.thresholds.object and not point.stands_in else point

    def _missing(self, ref: ObjectRef | None, exclude: set[int]) -> str:
        """Why a named object of an exo question has no place in the map: absent, or the very object the
        question asks about (the question presumes two different things: the map linked the event to the
        object the question stands or faces at)."""
        if ref is not None and ref.kind is RefKind.NAMED and exclude:
            try:
                named = ground_object(ref, self.view, self.matcher, thresholds=self.thresholds, index=self.index)
            except UnknownObjectError:
                named = None
            if named is not None and named.object.id in exclude:
                label = named.object.label
                said = '' if label.casefold() == ref.text.strip().casefold() else f' ("{label}")'
                return f'"{ref.text}" is object {named.object.id}{said}, the one asked about'
        return f'"{ref}" is not in the map'

    def _wearer_stance(self, question: ParsedQuestion, reference: LocatedPoint | None, facing: LocatedPoint | None,
                       t0: float, t1: float, exclude: set[int]) -> tuple[Viewpoint, str, tuple[str, ...], float, float]:
        """Best guess for an exo viewpoint whose objects are not in the map: the wearer stands in for
        them (where they stood, the way they faced), which still beats refusing a scored question."""
        position, yaw = self._body(t0, t1)
        heading = np.array([math.cos(yaw), math.sin(yaw)])
        origin = reference.xy if reference is not None else np.asarray(position[:2], float)
        forward = facing.xy - origin if facing is not None else heading
        if float(np.hypot(*forward)) < 1e-6:
            forward = heading
        stand = (f'standing at {reference.label} {_fmt(reference.xy)}' if reference is not None else
                 f'standing where you stood {_fmt(origin)} ({self._missing(question.reference, exclude)})')
        face = (f'facing {facing.label} {_fmt(facing.xy)}' if facing is not None else
                f'facing the way you faced ({math.degrees(yaw):.0f} deg; {self._missing(question.facing, exclude)})')
        evidence = (*(reference.evidence if reference else ()), *(facing.evidence if facing else ()))
        viewpoint = Viewpoint((float(origin[0]), float(origin[1])), (float(forward[0]), float(forward[1])))
        return viewpoint, f'{stand} {face}; best guess', evidence, WEARER_STANCE_SCORE, \
            reference.sigma if reference is not None else 0.05

    def _direction(self, question: ParsedQuestion, options: Sequence[str], event: GroundedEvent | None,
                   target: LocatedPoint, t0: float, t1: float, when: str, evidence: list[str]) -> SpatialAnswer:
        viewpoint, stance, view_evidence, view_score, view_sigma = self._viewpoint(question, event, t0, t1, target)
        angle = signed_angle_deg(viewpoint, target.xy)
        range_m = distance_2d(viewpoint.position, target.xy)
        angle_sigma = math.degrees(math.atan2(math.hypot(target.sigma, view_sigma), max(range_m, 1e-3)))
        level = question.level
        if options:
            try:
                answer, word = direction_letter(angle, options)
            except OptionsError as exc:
                raise MalformedOptionsError(str(exc)) from exc
            answer_text = word
        elif question.polar_word is not None:
            holds = _polar_holds(question.polar_word, angle)
            answer = 'yes' if holds else 'no'
            word = direction_word(angle, 'hard')
            answer_text = f'{answer}: {word} ({angle:+.0f} deg)'
            level = 'polar'
        else:
            answer = word = direction_word(angle, level)
            answer_text = word
        margin = _boundary_margin(angle, level)
        geometry = 0.5 * (1.0 + math.erf(margin / (math.sqrt(2.0) * max(angle_sigma, 1.0))))
        confidence = min(target.score, view_score, event.score if event else 1.0) * geometry
        explanation = (f'{when}, {stance}; {target.label} was at {_fmt(target.xy)}, '
                       f'{abs(angle):.0f} deg to the {"right" if angle > 0 else "left"} -> {word}.')
        return SpatialAnswer(answer, answer_text, angle, 'deg', float(confidence), explanation,
                             _merge(evidence, view_evidence, target.evidence), (t0, t1))


def _polar_holds(word: str, angle: float) -> bool:
    if word == 'left':
        return angle < 0.0
    if word == 'right':
        return angle > 0.0
    if word == 'back':
        return abs(angle) >= FRONT_THRESHOLD_DEG
    return abs(angle) < FRONT_THRESHOLD_DEG   # 'front'


def _boundary_margin(angle: float, level: str) -> float:
    """Degrees between `angle` and the nearest boundary where the answer would change."""
    boundaries = {'simple': (0.0, 120.0, -120.0), 'hard': (0.0, 90.0, -90.0, 180.0),
                  'polar': (0.0, 90.0, -90.0, 180.0)}[level]
    return min(abs((angle - b + 180.0) % 360.0 - 180.0) for b in boundaries)


def _merge(*groups: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(e for group in groups for e in group))
