"""Ground a parsed question in the map: which time window, which map objects.

Events: a quoted speech topic is matched to speech transcripts and their n-best alternatives (by
meaning, and by words that sound alike, as misheard words do) and, where the hearing node keeps the
audio, to the speech transcribed again by a recogniser told to expect the topic, and, for a topic about
something heard ("answering the phone"), to speech that came up during or just after that sound; a sound phrase to
the sound tags of sound events (and to the label of the object the event is linked to), for a sound
of impacts ("knocking", "footsteps") to how abruptly the event keeps starting (its tags are often
wrong: a reverberant knock is tagged "Music"), or, more weakly, to where it was heard from: an event not
linked to anything whose heard bearing points at an object the phrase names (a "knocking door" the
tagger called music, heard from the door). An event the map linked to another object than the one
the phrase names, or tagged only as background noise, counts for less. A snapshot descriptor
written for the same question, or the caller's explicit window, takes precedence.
Objects: described objects are matched to map labels and aliases. Below the thresholds nothing
is guessed unless the caller asked for a best guess; the error then names the closest candidate.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from savvy_ros.mapping.labels import (is_ambient, names_ambient_sound, names_impact_sound, names_sustained_sound,
                                      sound_phrase_score, tones_disagree)
from savvy_ros.mapping.errors import OutsideSpanError
from savvy_ros.mapping.map_view import MapEventView, MapObjectView, MapView
from savvy_ros.qa.errors import EventNotHeardError, UnknownObjectError
from savvy_ros.qa.occurrences import nth_occurrence, occurrences, ordinal_word
from savvy_ros.qa.phrase_matcher import PhraseMatcher, content_words, head_word, phonetic_agreement, sound_alike_share
from savvy_ros.qa.question import EventAnchor, ObjectRef, RefKind
from savvy_ros.qa.question_parser import normalise
from savvy_ros.vision.coco_labels import COCO_LABELS
from savvy_ros.word_stems import stem


@dataclass(frozen=True)
class GroundingThresholds:
    speech: float = 0.20          # transcript vs quoted topic (descriptions and sayings differ)
    sound: float = 0.40           # sound tags vs sound phrase
    object: float = 0.45          # map label vs object description


# A sound heard from where the object a phrase names is adds up to this to its match: enough to
# lift it above unrelated tags (their similarities sit around 0.2-0.3), never alone above the
# sound threshold (so only a best guess uses such an event when its tags do not match).
HEARD_FROM_WEIGHT = 0.2
MIN_BEARING_SIGMA = math.radians(15.0)   # [rad] array bearings are rarely better than this in rooms
# An event the map linked to another object than the one the phrase names ("knocking door" vs a
# beep linked to the kettle, whose tags a door buzzer could also make) keeps this share of its match.
LINKED_ELSEWHERE = 0.6
# An event tagged only as the room's background noise keeps this share (unless the phrase is about such a sound).
AMBIENT = 0.5
MIN_HEARD_FROM_FIT = 0.5                 # an unlinked event's named object counts as its source above this
# How far below the sound threshold an event whose tags name another tone than the phrase is held.
OTHER_TONE_MARGIN = 0.01
# A phrase about impacts ("knocking door", "footsteps", "clapping"): an event matches it by up to
# IMPACT_MATCH x its impulsiveness whatever its tags say (a room makes a knock "Music", footsteps
# "Thunder"; their abrupt onsets survive it: hearing/transients.py); and a match through the tags keeps
# IMPACT_FLOOR of itself for an event without onsets, all of it for a fully impulsive one (a door's
# knock is not its buzzer's beep, though both tags name a door).
IMPACT_MATCH = 0.5
IMPACT_FLOOR = 0.5
# A phrase about a sustained sound ("music", "siren"): a fully impulsive event keeps this share of its match.
SUSTAINED_FLOOR = 0.5
# A transcript gains this times the share of the topic's words it has as sound-alikes ("before lunch"
# in "it will be on launch"): misheard words keep their sound, rarely their meaning.
SOUND_ALIKE_WEIGHT = 0.3
# A transcript's n-best alternatives keep this share of their match: a word only the next-best reading
# has is evidence, but the beam adds readings, and with them chance matches (a short "I'm ready!").
ALTERNATIVE_WEIGHT = 0.7
# Names of things a map may lack: an object phrase nearer one of them than, by this margin, to every
# mapped name names something the map has not seen ("giraffe" is 0.5 from a mapped "teddy bear":
# above the object threshold, but it is a giraffe), not the nearest mapped thing.
KNOWN_OBJECT_NAMES = tuple(sorted({label for label in COCO_LABELS.values() if label}))
ABSENT_NAME_MARGIN = 0.1
# Speech events transcribed again toward the topic, per question: the best first-pass matches. The
# hearing node decodes each (segment, topic) once, in about 0.05 s with the segment's encoder output
# kept (0.5 s without); a topic asked again is served from its cache.
MAX_RETRANSCRIBED = 12
# A transcript heard when expecting the topic keeps this share of its match: expecting words, the
# recogniser sometimes writes them into unclear speech.
RETRANSCRIBED_WEIGHT = 0.85
# ...and counts only if it sounds at least this much like the first-pass transcript (phonetic_agreement):
# below it, the new words came from the prompt. A 0.6 s knock first transcribed "Thank you." came back
# "the cat" for the topic "describing the cat hiding" (0.44); corrections of misheard words keep most of
# the sound (bench and demo: 0.55 "It's incredible that we're paying..." -> "...able to do the remote",
# 0.95 "Walter" -> "water").
MIN_RETRANSCRIBED_AGREEMENT = 0.5
# A topic about something heard ("offering to answer the phone", "noticing an ambulance"): speech that
# starts while such a sound goes on, or within SOUND_CONTEXT_AFTER of its end, gains up to this share
# of the sound's match to the topic (people talk about what they just heard, and a recogniser keeps
# too few of their words: "I will pick it up, it is probably not layered" after the phone rang).
# Sounds below the sound threshold give nothing; speech all through a sound gains alike.
SOUND_CONTEXT_WEIGHT = 0.25
SOUND_CONTEXT_AFTER = 3.0                # [s]

# (topic, speech windows [s]) -> per window the transcript heard when expecting the topic, None
# where the audio is not kept (the hearing node's TranscribeSpeech service, or a local transcriber).
Retranscribe = Callable[[str, Sequence[tuple[float, float]]], Sequence['str | None']]


@dataclass(frozen=True)
class SnapshotWindow:
    """An event window an AV-LLM snapshot descriptor gave for a question."""

    question: str
    event: str
    start: float
    end: float


@dataclass(frozen=True)
class GroundedEvent:
    start: float
    end: float
    event: MapEventView | None    # None when the window came from the request or a snapshot
    score: float                  # [0, 1] match of the anchor to the event
    source: str                   # 'request', 'hearing', 'snapshot'
    description: str              # what was matched, for explanations
    heard_from: MapObjectView | None = None   # an unlinked event's source: a named object its bearing points at
    named_source: MapObjectView | None = None  # best guess for an unplaced event not heard from it
    reheard: str = ''             # speech: the transcript heard when expecting the topic, when it matched better


@dataclass(frozen=True)
class GroundedObject:
    object: MapObjectView
    score: float
    # The object only qualifies the phrase ("cat" for "the cat basket"): a best guess at where the thing
    # named is (a tv stand stands under its tv), not at what it is.
    stands_in: bool = False


def _event_texts(event: MapEventView, view: MapView) -> list[str]:
    if event.kind == 'speech':   # the transcript and the recogniser's next-best ones: a misheard word is often right in one
        return [t for t in [event.text, *event.alternatives] if t.strip()] if event.text.strip() else []
    texts = [label for label in event.labels if label]
    if texts:
        texts.append(', '.join(texts[:3]))
    if event.object_id:
        try:
            texts.extend(view.object(event.object_id).names())
        except LookupError:
            pass   # a link to an object that has since been dropped: the tags still count
    return texts


class MapIndex:
    """What grounding looks up in one map view, built once per received map (not per question)."""

    def __init__(self, view: MapView) -> None:
        self.view = view
        self.objects_by_name: dict[str, list[MapObjectView]] = {}
        for obj in view.objects:
            for name in dict.fromkeys(n.strip() for n in obj.names() if n.strip()):
                self.objects_by_name.setdefault(name.casefold(), []).append(obj)
        self.names = list(self.objects_by_name)
        self.event_texts = {e.id: _event_texts(e, view) for e in view.events}
        # Known object names the map lacks. One sharing a word with a mapped name may be what that one
        # is ("cell phone" and a tag table's "phone box"): no evidence of absence.
        mapped_words = {w for name in self.names for w in content_words(name)}
        self.absent_names = [n for n in KNOWN_OBJECT_NAMES
                             if n not in self.objects_by_name and not content_words(n) & mapped_words]


def _describe(event: MapEventView, reheard: str = '', impacts: bool = False) -> str:
    if event.kind == 'speech':
        again = f', heard as "{reheard.strip()}" when listened to for the topic' if reheard else ''
        return f'speech "{event.text.strip()}"{again}'
    onsets = f' with abrupt onsets (impulsiveness {event.impulsiveness:.2f})' if impacts else ''
    return 'sound "' + ', '.join(event.labels[:3]) + '"' + onsets


def ground_event(anchor: EventAnchor, view: MapView, matcher: PhraseMatcher, *,
                 thresholds: GroundingThresholds = GroundingThresholds(), best_guess: bool = False,
                 snapshots: list[SnapshotWindow] | None = None, question: str = '',
                 index: MapIndex | None = None, retranscribe: Retranscribe | None = None) -> GroundedEvent:
    """The window of the event `anchor` names; EventNotHeardError when nothing heard matches.

    `retranscribe`: speech heard again when expecting the topic; an event matches by the better of
    its first-pass transcripts and that one.
    """
    wanted = normalise(question)
    for snapshot in snapshots or []:
        if wanted and normalise(snapshot.question) == wanted:
            return GroundedEvent(snapshot.start, snapshot.end, None, 1.0, 'snapshot', f'snapshot "{snapshot.event}"')
    index = index if index is not None and index.view is view else MapIndex(view)
    candidates = [e for e in view.events if e.kind == anchor.kind and index.event_texts[e.id]]
    # One similarity call over every candidate text (the matcher batches and caches them).
    texts = list(dict.fromkeys(t for e in candidates for t in index.event_texts[e.id]))
    # A transcript is scored by how much of the topic it says, not by being a part of it ("ready").
    speech = anchor.kind == 'speech'
    score_of = dict(zip(texts, matcher.similarity(anchor.phrase, texts, query_coverage=speech))) if texts else {}
    reheard: dict[int, str] = {}
    if anchor.kind == 'speech':   # the transcript first, then its alternatives (which count for less)
        scored = [(max((1.0 if k == 0 else ALTERNATIVE_WEIGHT) * _speech_match(anchor.phrase, t, score_of[t])
                       for k, t in enumerate(index.event_texts[e.id])), e) for e in candidates]
        if retranscribe is not None and scored:
            scored, reheard = _with_retranscribed(anchor.phrase, scored, matcher, retranscribe)
        scored = _with_sound_context(anchor.phrase, scored, view, matcher, index, thresholds.sound)
    else:
        scored = [(max(float(score_of[t]) for t in index.event_texts[e.id]), e) for e in candidates]
    if anchor.kind == 'sound':   # AudioSet tags rarely share words or embeddings with how people say it
        makers = _named_objects(anchor.phrase, index)
        fits = {e.id: heard_from(e, makers, view) for _, e in scored}
        named = {o.id for o in makers}
        background_ok = names_ambient_sound(anchor.phrase)
        impacts = names_impact_sound(anchor.phrase)

        def weight(e: MapEventView) -> float:
            linked_elsewhere = bool(named) and bool(e.object_id) and e.object_id not in named
            return (LINKED_ELSEWHERE if linked_elsewhere else 1.0) * \
                (AMBIENT if not background_ok and is_ambient(e.labels) else 1.0)
        sustained = names_sustained_sound(anchor.phrase)
        scored = [(_with_heard_from(_by_onsets(max(score, sound_phrase_score(anchor.phrase, e.labels)) * weight(e),
                                               e.impulsiveness, impacts, sustained),
                                    fits[e.id][0], thresholds.sound), e) for score, e in scored]
        # Tags naming another tone than the phrase ("Beep" for "the phone rang") or only sounds that are no
        # tone ("Music" for "the siren"): not that sound, however close the wording; still the closest
        # for a best guess. Held just under the threshold, in their order (a better match stays better).
        scored = [(min(score, thresholds.sound - OTHER_TONE_MARGIN * (2.0 - score))
                   if tones_disagree(anchor.phrase, e.labels) else score, e) for score, e in scored]
    threshold = thresholds.speech if anchor.kind == 'speech' else thresholds.sound
    if not scored:
        heard = f'{len(view.events)} event(s) of other kinds' if view.events else 'no events at all'
        raise EventNotHeardError(f'the {anchor.kind} event "{anchor.phrase}" was not heard: the map has no '
                                 f'{anchor.kind} events ({heard})')
    # Best score first; among equals the earliest (the first time it "comes up").
    score, event = min(scored, key=lambda se: (-round(se[0], 6), se[1].start, se[1].id))
    impacts = anchor.kind == 'sound' and names_impact_sound(anchor.phrase)
    if score < threshold and not best_guess:
        other = ' (its tags name another sound than the tone asked about)' if anchor.kind == 'sound' and \
            tones_disagree(anchor.phrase, event.labels) else ''
        raise EventNotHeardError(
            f'no heard {anchor.kind} matches "{anchor.phrase}": the closest is '
            f'{_describe(event, reheard.get(event.id, ""), impacts and event.impulsiveness > 0.0)} at '
            f'{event.start:.2f} s with similarity {score:.2f} (< {threshold:.2f}){other}; '
            'ask with best_guess to use it')
    start, end, which = event.start, event.end, ''
    if anchor.occurrence:
        score, event, start, end, which = _occurrence(anchor, scored, threshold if score >= threshold else 0.0,
                                                      best_guess)
    described = _describe(event, reheard.get(event.id, ''), impacts and event.impulsiveness > 0.0) + which
    if score < threshold:   # only with best_guess: said, so an answer from it is not taken for a match
        described += f' (the closest heard, similarity {score:.2f} < {threshold:.2f}; best guess)'
    # An unlinked event heard from where a named object is: that object is its source.
    source = named_source = None
    if anchor.kind == 'sound' and not event.object_id:
        fit, source = fits[event.id]
        source = source if fit >= MIN_HEARD_FROM_FIT else None
        if best_guess and makers and source is None and event.source_position is None:
            # Not placed, and heard from no direction where such an object is (or from none):
            # the object the phrase names ("kettle beeping").
            named_source = best_supported(makers)
    return GroundedEvent(start, end, event, score, 'hearing', described, source, named_source,
                         reheard.get(event.id, ''))


def _occurrence(anchor: EventAnchor, scored: list[tuple[float, MapEventView]], threshold: float,
                best_guess: bool) -> tuple[float, MapEventView, float, float, str]:
    """(score, event, start, end, what to add to its description) of the time the anchor asks about; only
    events reaching `threshold` count as times heard."""
    found = occurrences(scored, threshold)
    wanted = ordinal_word(anchor.occurrence)
    times = f'{len(found)} time' + ('' if len(found) == 1 else 's')
    chosen = nth_occurrence(found, anchor.occurrence)
    if chosen is None and not best_guess:
        raise EventNotHeardError(f'"{anchor.phrase}" was heard {times}, not a {wanted} time; '
                                 'ask with best_guess to use the last one')
    if chosen is None:
        chosen = found[-1]
        last = 'the only time heard' if len(found) == 1 else f'the last of {times} heard'
        which = f' ({last}, asked for the {wanted}; best guess)'
    else:
        which = ' (the only time heard)' if len(found) == 1 else f' (the {wanted} of {times} heard)'
    return chosen.score, chosen.event, chosen.start, chosen.end, which


def _by_onsets(score: float, impulsiveness: float, impacts: bool, sustained: bool) -> float:
    """A sound event's match to a phrase, judged also by its onsets when the phrase is about impacts
    (more for abrupt ones) or about a sustained sound (less for abrupt ones)."""
    impulsiveness = min(max(float(impulsiveness), 0.0), 1.0)
    if impacts:
        return max(score * (IMPACT_FLOOR + (1.0 - IMPACT_FLOOR) * impulsiveness), IMPACT_MATCH * impulsiveness)
    if sustained:
        return score * (1.0 - (1.0 - SUSTAINED_FLOOR) * impulsiveness)
    return score


def _speech_match(topic: str, transcript: str, similarity: float) -> float:
    """A transcript's match to a topic: its similarity, raised by the topic's words it has as sound-alikes."""
    return min(1.0, float(similarity) + SOUND_ALIKE_WEIGHT * sound_alike_share(topic, transcript))


def _with_retranscribed(topic: str, scored: list[tuple[float, MapEventView]], matcher: PhraseMatcher,
                        retranscribe: Retranscribe) -> tuple[list[tuple[float, MapEventView]], dict[int, str]]:
    """Scores raised where the speech, transcribed again toward `topic`, matches it better; and those transcripts."""
    # The best first-pass matches, in a fixed order (score, then time): the same requests every run.
    chosen = sorted(scored, key=lambda se: (-round(se[0], 6), se[1].start, se[1].id))[:MAX_RETRANSCRIBED]
    texts = list(retranscribe(topic, [(e.start, e.end) for _, e in chosen]))
    heard = {e.id: t.strip() for (_, e), t in zip(chosen, texts) if t and t.strip() and
             max(phonetic_agreement(first, t) for first in [e.text, *e.alternatives]) >= MIN_RETRANSCRIBED_AGREEMENT}
    similarity = (dict(zip(heard.values(), matcher.similarity(topic, list(heard.values()), query_coverage=True)))
                  if heard else {})
    rescored, reheard = [], {}
    for score, event in scored:
        if event.id in heard:
            again = RETRANSCRIBED_WEIGHT * _speech_match(topic, heard[event.id], similarity[heard[event.id]])
            if again > score:
                score, reheard[event.id] = again, heard[event.id]
        rescored.append((score, event))
    return rescored, reheard


def _with_sound_context(topic: str, scored: list[tuple[float, MapEventView]], view: MapView,
                        matcher: PhraseMatcher, index: MapIndex, threshold: float) -> list[tuple[float, MapEventView]]:
    """Speech scores raised where the speech came up during, or just after, a sound the topic is about."""
    sounds = [e for e in view.events if e.kind == 'sound' and index.event_texts[e.id]]
    if not scored or not sounds:
        return scored
    texts = list(dict.fromkeys(t for e in sounds for t in index.event_texts[e.id]))
    similarity = dict(zip(texts, matcher.similarity(topic, texts)))
    relevant = []
    for e in sounds:
        match = max(max(float(similarity[t]) for t in index.event_texts[e.id]), sound_phrase_score(topic, e.labels))
        if match >= threshold:
            relevant.append((match, e))
    if not relevant:
        return scored
    def context(speech: MapEventView) -> float:
        return max((match for match, e in relevant if e.start <= speech.start <= e.end + SOUND_CONTEXT_AFTER),
                   default=0.0)

    return [(min(1.0, score + SOUND_CONTEXT_WEIGHT * context(speech)), speech) for score, speech in scored]


def best_supported(objects: list[MapObjectView]) -> MapObjectView:
    """The most observed of `objects` (the lowest id among equals): the best-supported estimate."""
    return max(objects, key=lambda o: (o.observation_count, -o.id))


def _with_heard_from(score: float, fit: float, threshold: float) -> float:
    boosted = score + HEARD_FROM_WEIGHT * fit
    return boosted if score >= threshold else max(score, min(boosted, threshold - 1e-3))


def _named_objects(phrase: str, index: MapIndex) -> list[MapObjectView]:
    """Map objects whose label or alias appears word for word in `phrase` ("knocking door" -> doors)."""
    words = re.findall(r"[a-z0-9']+", normalise(phrase))
    named: dict[int, MapObjectView] = {}
    for name, objects in index.objects_by_name.items():
        tokens = re.findall(r"[a-z0-9']+", name)
        if tokens and any(words[i:i + len(tokens)] == tokens for i in range(len(words) - len(tokens) + 1)):
            named.update((o.id, o) for o in objects)
    return list(named.values())


def heard_from(event: MapEventView, objects: list[MapObjectView], view: MapView) -> tuple[float, MapObjectView | None]:
    """How well (0..1) the event's heard bearing, on the floor plane, points at one of `objects`, and which.

    (0, None) for an event linked to another object (that object explains the bearing) or heard without one.
    """
    if event.bearing_direction is None or event.bearing_origin is None or not objects:
        return 0.0, None
    if event.object_id and event.object_id not in {o.id for o in objects}:
        return 0.0, None
    heading = math.atan2(float(event.bearing_direction[1]), float(event.bearing_direction[0]))
    sigma = max(float(event.bearing_spread), MIN_BEARING_SIGMA)
    best: tuple[float, MapObjectView | None] = (0.0, None)
    for obj in objects:
        try:
            offset = view.position_at(obj.id, 0.5 * (event.start + event.end)) - np.asarray(event.bearing_origin)
        except OutsideSpanError:
            continue
        if math.hypot(offset[0], offset[1]) < 1e-6:
            continue
        error = math.remainder(math.atan2(offset[1], offset[0]) - heading, math.tau)
        fit = math.exp(-0.5 * (error / sigma) ** 2)
        if fit > best[0]:
            best = (fit, obj)
    return best


def _absent_name(phrase: str, score: float, index: MapIndex, matcher: PhraseMatcher) -> str | None:
    """A known object name the map lacks that `phrase` is nearer to, by ABSENT_NAME_MARGIN, than to the
    best mapped name (scored `score`); None when there is none."""
    absent = index.absent_names
    if score >= 1.0 or not absent:
        return None
    scores = matcher.similarity(phrase, absent)
    best = int(np.argmax(scores))
    return absent[best] if float(scores[best]) >= score + ABSENT_NAME_MARGIN else None


# Heads that name a part or side of what their modifier names: a "tv screen" is the tv.
PART_HEADS = frozenset(stem(w) for w in 'screen one object thing area top front back side part unit set'.split())


def only_qualifies(name: str, phrase: str) -> bool:
    """Whether all of `name` is in `phrase` but not its head, so that the name only qualifies another
    thing: "cat" in "cat basket" (a basket), "window" in "the dog outside the window" (a dog). Word
    overlap alone scores such a name as if the phrase named it."""
    head, words, named = head_word(phrase), content_words(phrase), content_words(name)
    return head is not None and len(words) > 1 and bool(named) and named <= words and head not in named \
        and head not in PART_HEADS


def ground_object(ref: ObjectRef, view: MapView, matcher: PhraseMatcher, *,
                  thresholds: GroundingThresholds = GroundingThresholds(),
                  best_guess: bool = False, exclude: set[int] | None = None,
                  index: MapIndex | None = None) -> GroundedObject:
    """The map object a described reference names (label or alias similarity).

    Among objects of the same best name, the most observed wins (the best-supported estimate).
    """
    if ref.kind is not RefKind.NAMED:
        raise ValueError(f'ground_object takes a named reference, not {ref.kind.value}')
    index = index if index is not None and index.view is view else MapIndex(view)
    exclude = exclude or set()

    def usable(name: str) -> list[MapObjectView]:
        return [o for o in index.objects_by_name[name] if o.id not in exclude]

    names = [n for n in index.names if usable(n)]
    if not names:
        if not view.objects:
            raise UnknownObjectError(f'no object in the map to match "{ref.text}" (the map holds no objects yet)')
        used = ', '.join(f'"{o.label}" (object {o.id})' for o in view.objects if o.id in exclude)
        raise UnknownObjectError(f'no object in the map to match "{ref.text}": the only ones mapped, {used}, '
                                 f'already stand for other objects of the question')
    wanted = ref.text.strip().casefold()
    qualifiers: set[str] = set()
    if wanted in names:
        score, name = 1.0, wanted
    else:
        # Maps repeat labels (many "chair"s): each distinct name is scored once. A name that only
        # qualifies the phrase's head is held below the threshold: a best guess at most.
        qualifiers = {n for n in names if only_qualifies(n, ref.text)}
        scores = [min(float(score), thresholds.object * 0.99) if name in qualifiers else float(score)
                  for name, score in zip(names, matcher.similarity(ref.text, names))]
        best = max(range(len(names)), key=lambda i: (round(scores[i], 6), -i))
        score, name = scores[best], names[best]
    obj = best_supported(usable(name))
    known = ', '.join(sorted({o.label for n in names for o in index.objects_by_name[n]})[:12])
    stands_in = score < thresholds.object and name in qualifiers
    if stands_in and not best_guess:
        raise UnknownObjectError(f'no object in the map matches "{ref.text}": the mapped "{obj.label}" (object '
                                 f'{obj.id}) only qualifies what it names; known labels: {known}')
    absent = _absent_name(ref.text, score, index, matcher)
    if absent is not None:
        if not best_guess:
            raise UnknownObjectError(f'no object in the map matches "{ref.text}": it names a "{absent}", which the '
                                     f'map has not seen (the closest mapped is "{obj.label}", object {obj.id}, '
                                     f'similarity {score:.2f}); known labels: {known}')
        score = min(score, thresholds.object * 0.99)   # a best guess, and below the threshold: said to be unsure
    if score < thresholds.object and not best_guess:
        raise UnknownObjectError(f'no object in the map matches "{ref.text}": the closest is "{obj.label}" '
                                 f'(object {obj.id}, similarity {score:.2f} < {thresholds.object:.2f}); '
                                 f'known labels: {known}')
    return GroundedObject(obj, score, stands_in)
