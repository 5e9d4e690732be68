"""Read a spatial question: the SAVVY-Bench templates exactly, and plain-word paraphrases.

A small grammar of regular expressions over the normalised (lower-case, single-spaced) text finds
the parts independently — event anchor, task, viewpoint, objects — so that the bench templates
and free wording ("how far is the kettle from the sofa?", "where was the speaker when the door
knocked?") go through the same code. Mapping the object words to map entries is grounding's job.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from savvy_ros.mapping.labels import names_a_sound
from savvy_ros.qa.errors import (EmptyQuestionError, MalformedOptionsError, QuestionTooLongError,
                                 UnparseableQuestionError)
from savvy_ros.qa.event_clauses import (ARTICLE, TALKER_IN_QUESTION, is_said_by, sound_phrase, speech_clause,
                                       talker_topic)
from savvy_ros.qa.question import EVENT_SOURCE, WEARER, EventAnchor, ObjectRef, ParsedQuestion, RefKind
from savvy_ros.qa.savvy_conventions import OptionsError, level_of_options, parse_options

MAX_QUESTION_CHARS = 2000

_QUOTES = str.maketrans({'\u201c': '"', '\u201d': '"', '\u2018': "'", '\u2019': "'", '\u00a0': ' '})
_CONTROL = re.compile(r'[\x00-\x1f\x7f]+')

# --- event anchors ---------------------------------------------------------------------------
_SPEECH_TOPIC = re.compile(r'speech topic\s*:?\s*"(?P<p>[^"]+)"')
_SPEECH_QUOTED = re.compile(
    r'\b(?:says?|said|saying|mentions?|mentioned|talks? about|talked about|asks?|asked|'
    r'topic(?: of)?|when)\s*:?\s*"(?P<p>[^"]+)"')
_SOUND_TEMPLATE = re.compile(
    r'\b(?:when|while|during) (?:the )?(?P<p>.+?) sound (?:comes up|is happening|happens|happened|is heard|'
    r'was heard|occurs|occurred|starts|started|plays|played|is playing|was playing)\b')
# "... comes up for the second time", "the last time the dog barked": which of several times it was heard.
_ORDINALS = {'first': 1, '1st': 1, 'second': 2, '2nd': 2, 'third': 3, '3rd': 3, 'fourth': 4, '4th': 4,
             'fifth': 5, '5th': 5, 'last': -1}
_ORDINAL = '(?P<n>' + '|'.join(_ORDINALS) + ')'
_FOR_THE_NTH_TIME = re.compile(r'\s*\bfor the ' + _ORDINAL + r' time\b')
_QUOTED = re.compile(r'"[^"]*"')
_THE_NTH_TIME = re.compile(r'\b(?:(?:at|during|on) )?the ' + _ORDINAL + r' time\b(?: that)?')
_SOUND_DURING = re.compile(r'\b(?:during|at) the (?P<p>[^,?;:]+?) sound\b(?! source)')
_WHEN_CLAUSE = re.compile(r'\b(?:when|while|during|as soon as|right after|after) (?P<p>[^,?:;]+?)\s*(?:[,?:;]|$)')
# Where an object phrase ends: a clause of time or of viewpoint begins.
_ENDS = r'\s*(?:[:?,;]|\b(?:when|while|during|after|before|as soon as|relative|with respect)\b|$)'
# Viewpoints and times the service cannot take from words: refused rather than answered otherwise.
_RELATIVE_TO_THING = re.compile(r'\b(?:relative to|with respect to|(?:to|on) the (?:left|right) of) '
                                r'(?!(?:where (?:you|i)|you|me|yourself|myself|us)\b)(?:the )?(?P<x>[a-z][^,?;]*)')
_CLOCK_TIME = re.compile(r'\b(?:at|after|before) (?:\d+(?:\.\d+)?|one|two|five|ten|thirty) ?'
                         r'(?:s|sec|secs|seconds?|min|minutes?)\b')

# --- tasks ------------------------------------------------------------------------------------
_DISTANCE = re.compile(r'\b(?:distance|how far|how close|how many (?:meters|metres))\b')
_WHERE_WOULD = re.compile(r'\bwhere (?:would|will) (?:the )?(?P<t>.+?) be\b')
_DIRECTION = re.compile(r'\b(?:where (?:is|was|are|were|did|does|do|would|will)|which (?:direction|side|way)|'
                        r'where (?:the )?[a-z][^,?;]*? (?:is|was|are|were)\b|'
                        r'in which direction|what direction|'
                        r'(?:to|on) (?:my|your|the) (?:left|right)|behind (?:me|you)|in front of (?:me|you))\b')

# --- viewpoint and objects --------------------------------------------------------------------
# An imagined viewpoint: the bench's "standing by X and facing Y", and "if I were at X looking at Y",
# "from the X, facing the Y". The place is a noun phrase: no clause of its own ("when ...").
_PLACE = r'(?:the |a |an )?(?P<ref>(?:(?!\b(?:when|where|while|how|facing|looking)\b)[^,?;])+?)'
_STANDING = re.compile(r'(?:\b(?:standing|stood|stand|sitting|sat|sit|were|was|am|are|be|being|i\'m|you\'re) '
                       r'(?:by|at|next to|near|beside|on|in front of)|(?:^|, |\bif |\band )from) '
                       + _PLACE + r',? (?:and )?(?:(?:you are|you\'re|i am|i\'m|i was|i were|you were) )?'
                       r'(?:facing|looking at|looking towards?|turned towards?) (?:the )?(?P<facing>.+?)\s*'
                       r'(?:[,?;]|\bwhen\b|\bwhere\b|\bhow\b|$)')
# Words of an imagined viewpoint: without a place and a facing object, the question is not answered
# from the wearer's instead.
_IMAGINED = re.compile(r'\b(?:if (?:i|you) (?:were|was|stood|stand|sat|am|are)|imagine|suppose|pretend)\b'
                       r'(?!(?: that)? (?:you are|you\'re|i am|i\'m) (?:the )?(?:camera )?wearer\b)')
_BETWEEN = re.compile(r'\b(?:distance (?:between|from)|how far apart (?:is|was|are|were)) (?:the )?(?P<a>.+?) '
                      r'(?:and|to) (?:the )?(?P<b>.+?)'
                      r'(?: in (?:meters|metres|m))?' + _ENDS.replace('[:?,;]', '[?,.;]'))
_HOW_FAR = re.compile(r'\bhow (?:far|close|many (?:meters|metres))(?: away)? (?:is|was|are|were) (?:the )?(?P<a>.+?)'
                      r'(?: (?:from|to) (?:the )?(?P<b>.+?))?' + _ENDS.replace('[:?,;]', '[?,.;]'))
# "how far from me was the cat?", "how far from the door is the sofa?"
_HOW_FAR_FROM = re.compile(r'\bhow (?:far|close|many (?:meters|metres))(?: away)? from (?:the )?(?P<b>.+?) '
                           r'(?:is|was|are|were) (?:the )?(?P<a>.+?)' + _ENDS.replace('[:?,;]', '[?,.;]'))
_WHERE = re.compile(r'\bwhere (?:is|was|are|were) (?:the )?(?P<t>.+?)' + _ENDS)
# "where did the knocking come from?", "which direction did the dog bark from?", "which side was the tv on?"
_WHERE_FROM = re.compile(r'\b(?:where|(?:from |in )?(?:which|what) (?:direction|side|way)) '
                         r'(?:did|does|do|is|was|are|were) (?:the )?(?P<t>.+?)'
                         r'(?: (?:come|comes|coming|came|sound|sounding|sounded))?(?: from| on)?' + _ENDS)
# "can you tell me where the cat was when ...?"
_WHERE_EMBEDDED = re.compile(r'\bwhere (?:the )?(?P<t>[a-z][^,?;]*?) (?:is|was|are|were)' + _ENDS)
_FACING_ASKED = re.compile(r'^(?:i|you) (?:was |were |am |are )?(?:facing|looking|headed|heading)\b')
_POLAR = re.compile(r'\b(?:is|was|are|were) (?:the )?(?P<t>.+?) (?:(?:to|on) (?:my|your|the) (?P<side>left|right)|'
                    r'(?P<back>behind) (?:me|you)|(?P<front>in front) of (?:me|you))\b')

_EVENT_SOURCE_WORDS = re.compile(
    r'^(?:the )?(?:other person(?: i\'?m speaking with)?|speaker|person (?:speaking|talking)|'
    r'(?:speech )?sound(?:ing)? (?:source|object)|speech sound source|source of the (?:sound|speech|noise|voice)|'
    r'sound|noise|voice|talker|one (?:speaking|talking))$'
    r'|^(?:the )?(?:person|one|man|woman|someone|somebody) (?:who|that) (?:said|says|spoke|asked|mentioned|'
    r'talked|was (?:speaking|talking))\b')
_WEARER_WORDS = re.compile(r'^(?:you|me|i|myself|yourself|us|here|the camera wearer|camera wearer|the wearer|wearer|'
                           r'the camera|camera|where you are|where i am)$')
# The bench's explanatory sentences: they mention standing and facing but are not the question.
_BOILERPLATE = re.compile(
    r'\(if you are standing at the origin[^)]*\)|\bthe directions refer to the quadrants[^.?]*[.?]?|'
    r'\bconsider the center point location[^.?]*[.?]?|\bif the object is generally[^.?]*[.?]?|'
    r'\banswer in numeric format[.?]?')
_CONTRACTED_IS = re.compile(r"\b(where|how far|how close|what|which way|which side|which direction)'s\b")
_TRAILING = re.compile(r'(?:\s+(?:coming|come|comes|came|sounding))?\s+from$|'
                       r'\s+(?:in (?:meters|metres)|now|right now|currently|at the moment|then)$')


def normalise(text: str) -> str:
    text = _CONTROL.sub(' ', text.translate(_QUOTES))
    return re.sub(r'\s+', ' ', text).strip().lower()


def _validate(text: object) -> str:
    if not isinstance(text, str):
        raise UnparseableQuestionError(f'the question must be text, not {type(text).__name__}')
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionTooLongError(f'the question has {len(text)} characters; at most {MAX_QUESTION_CHARS} '
                                   'are accepted')
    question = _BOILERPLATE.sub(' ', normalise(text))
    question = _CONTRACTED_IS.sub(r'\1 is', question)   # "where's the kettle?", "how far's the sofa?"
    question = re.sub(r'\s+', ' ', question).strip()
    if not re.search(r'[a-z]', question):
        raise EmptyQuestionError('the question is empty (no words)')
    return question


def find_anchor(question: str) -> EventAnchor | None:
    """The event the question is anchored on, or None when it asks about 'now'."""
    for pattern in (_SPEECH_TOPIC, _SPEECH_QUOTED):
        match = pattern.search(question)
        if match and match.group('p').strip():
            return EventAnchor('speech', match.group('p').strip())
    for pattern in (_SOUND_TEMPLATE, _SOUND_DURING):
        match = pattern.search(question)
        if match:
            return EventAnchor('sound', match.group('p').strip())
    match = _WHEN_CLAUSE.search(question)
    talker = TALKER_IN_QUESTION.search(question)
    if match and talker and talker.start() < match.start() < talker.end() and match.group(0).split()[0] != 'when':
        # "the person talking about walking while thinking": the clause is part of what was said.
        match = _WHEN_CLAUSE.search(question, talker.end())
    if match:
        clause = match.group('p').strip()
        said = speech_clause(clause)
        if said is not None:
            return EventAnchor('speech', said.topic, said.speaker)
        phrase = sound_phrase(clause)
        if _WEARER_WORDS.match(phrase) or phrase.startswith(('you ', 'i ')):
            # Not answered at "now" instead: the time would be wrong without a word said about it.
            raise UnparseableQuestionError(
                f'"when {clause}" is something you did: times are found from what was heard, e.g. "when the '
                'kettle beeped" or "when she offered a drink"')
        return EventAnchor('sound', phrase)
    return None


def object_ref(words: str) -> ObjectRef:
    words = _TRAILING.sub('', words.strip().strip('"\'').strip())
    if not words:
        raise UnparseableQuestionError('an object of the question is empty')
    if _WEARER_WORDS.match(words):
        return WEARER
    if _EVENT_SOURCE_WORDS.match(words) or talker_topic(words):
        return ObjectRef(RefKind.EVENT_SOURCE, words)
    return ObjectRef(RefKind.NAMED, words)


def _options_level(options: Sequence[str]) -> str | None:
    if not options:
        return None
    try:
        parse_options(options)
    except OptionsError as exc:
        raise MalformedOptionsError(str(exc)) from exc
    try:
        return level_of_options(options)
    except OptionsError:
        return None   # well-formed but not a direction set: the caller decides whether that fits


def _task(question: str, options_level: str | None) -> str:
    if _DISTANCE.search(question):
        return 'distance'
    if _DIRECTION.search(question) or options_level is not None:
        return 'direction'
    raise UnparseableQuestionError(
        'cannot tell what is asked: expected a direction ("where is ...", "is ... to my left?") or a '
        'distance ("how far is ...", "what is the distance between ... and ...")')


def _direction_level(question: str, options_level: str | None) -> str:
    if options_level is not None:
        return options_level
    if re.search(r'\bleft, right,? or back\b', question):
        return 'simple'
    return 'hard'   # quadrants say more than left/right/back when the asker gave no options


def parse_question(text: str, options: Sequence[str] = ()) -> ParsedQuestion:
    """Parse `text`; raise a QuestionError subclass naming what could not be understood."""
    question, occurrence = _take_occurrence(_validate(text))
    parsed = _parse(question, options)
    if not occurrence:
        return parsed
    if parsed.anchor is None:
        raise UnparseableQuestionError('"the n-th time" needs an event to count: e.g. "when the dog barks for the '
                                       'second time" or "the last time the kettle beeped"')
    return replace(parsed, anchor=replace(parsed.anchor, occurrence=occurrence))


def _take_occurrence(question: str) -> tuple[str, int]:
    """The question without its "for the second time" / "the second time" (read as "when"), and which
    time it asks about (0: not said)."""
    quoted = [m.span() for m in _QUOTED.finditer(question)]

    def outside_quotes(pattern: re.Pattern) -> re.Match | None:   # a topic's own words stay its own
        return next((m for m in pattern.finditer(question)
                     if not any(a <= m.start() < b for a, b in quoted)), None)
    match = outside_quotes(_FOR_THE_NTH_TIME)
    if match:
        return question[:match.start()] + question[match.end():], _ORDINALS[match.group('n')]
    match = outside_quotes(_THE_NTH_TIME)
    if match:   # "where was the dog the second time it barked?" -> "... when it barked?"
        return question[:match.start()] + 'when' + question[match.end():], _ORDINALS[match.group('n')]
    return question, 0


def _parse(question: str, options: Sequence[str]) -> ParsedQuestion:
    _refuse_unsupported(question)
    options_level = _options_level(options)
    task = _task(question, options_level)
    anchor = find_anchor(question)
    template = question.startswith(('imagine you are', 'when the speech topic', 'when the'))
    if options and task == 'distance':
        raise MalformedOptionsError('a distance question takes no multiple-choice options')
    if options and options_level is None:
        raise MalformedOptionsError(f'options {list(options)} are not a SAVVY direction set '
                                    '(left/right/back or front-left/front-right/back-left/back-right)')
    if task == 'distance':
        return _parse_distance(question, anchor, template)
    return _parse_direction(question, anchor, _direction_level(question, options_level), template)


def _refuse_unsupported(question: str) -> None:
    """Refuse what would otherwise be answered as something else: a direction relative to an object
    without a facing (answered from the wearer's view instead), a clock time (answered at "now")."""
    relative = _RELATIVE_TO_THING.search(question)
    if relative and not _STANDING.search(question):
        raise UnparseableQuestionError(
            f'a direction relative to "{relative.group("x").strip()}" needs a way to face there: ask "standing by '
            f'the {relative.group("x").strip()} facing <something>, where is ...?", or where it is relative to you')
    clock = _CLOCK_TIME.search(question)
    if clock:
        raise UnparseableQuestionError(f'"{clock.group(0)}": times are found from what was heard ("when the kettle '
                                       'beeped"); to give one yourself, use the request\'s window (data clock)')


def _parse_distance(question: str, anchor: EventAnchor | None, template: bool) -> ParsedQuestion:
    between = _BETWEEN.search(question)
    match = between or _HOW_FAR.search(question) or _HOW_FAR_FROM.search(question)
    if not match:
        raise UnparseableQuestionError('a distance question must name two things: "the distance between A and B" '
                                       'or "how far is A from B"')
    first = object_ref(match.group('a'))
    second = object_ref(match.group('b')) if match.group('b') else WEARER
    # The located thing is the non-wearer one: "how far is A from B" locates A; the bench's
    # "distance between {reference} and {sound source}" locates the second.
    if not between and first.kind is not RefKind.WEARER:
        target, reference = first, second
    elif first.kind is RefKind.WEARER:
        target, reference = second, first
    elif second.kind is RefKind.WEARER:
        target, reference = first, second
    elif first.kind is RefKind.EVENT_SOURCE and second.kind is not RefKind.EVENT_SOURCE:
        target, reference = first, second
    else:
        target, reference = second, first
    if target.kind is RefKind.WEARER:
        raise UnparseableQuestionError('a distance between you and yourself was asked')
    perspective = 'ego' if reference.kind is RefKind.WEARER else 'exo'
    anchor, target, reference = _free_wording(anchor, target, reference, question)
    _require_anchor_for_source(target, reference, anchor)
    return ParsedQuestion('distance', perspective, 'hard', target, reference, None, anchor, template=template)


def _parse_direction(question: str, anchor: EventAnchor | None, level: str, template: bool) -> ParsedQuestion:
    polar_word = None
    where = _WHERE.search(question) or _WHERE_FROM.search(question) or _WHERE_WOULD.search(question) or \
        _WHERE_EMBEDDED.search(question)
    if where and _FACING_ASKED.match(where.group('t')):
        raise UnparseableQuestionError('asked which way you faced: this service says where things are relative to '
                                       'you ("where was the kettle when ...?"), not your heading')
    if where:
        target = object_ref(where.group('t'))
    else:
        polar = _POLAR.search(question)
        if not polar:
            raise UnparseableQuestionError('a direction question must say what is located: "where is X" or '
                                           '"is X to my left/right / behind me / in front of me"')
        target = object_ref(polar.group('t'))
        polar_word = polar.group('side') or ('back' if polar.group('back') else 'front')
        if re.search(r'\b(?:left or (?:my |your |the )?right|right or (?:my |your |the )?left)\b', question):
            polar_word, level = None, 'simple'   # "on my left or right?" asks which, not whether
    standing = _STANDING.search(question)
    if standing is None and _IMAGINED.search(question):
        raise UnparseableQuestionError('an imagined viewpoint needs a place and what you face there: '
                                       '"standing by the sofa facing the tv, where is ...?"')
    if standing:
        reference, facing = object_ref(standing.group('ref')), object_ref(standing.group('facing'))
        if facing.kind is RefKind.WEARER:
            raise UnparseableQuestionError('the imagined observer must face an object, not you')
        perspective = 'exo'
    else:
        reference, facing, perspective = WEARER, None, 'ego'
    if target.kind is RefKind.WEARER and perspective == 'ego':
        raise UnparseableQuestionError('asked where you are relative to yourself')
    anchor, target, reference = _free_wording(anchor, target, reference, question)
    _require_anchor_for_source(target, reference, anchor)
    return ParsedQuestion('direction', perspective, level, target, reference, facing, anchor,
                          polar_word=polar_word, template=template)


def _words(text: str) -> str:
    return ' '.join(re.findall(r"[a-z0-9']+", text))


def _talker_topic(ref: ObjectRef, question: str) -> str | None:
    """What a talker described by their speech said ("the person who offered me a drink"); where the
    object phrase stopped at a word of time that belongs to the topic ("talking about the report
    before lunch", "... walking while thinking"), read on to the end of the clause."""
    topic = talker_topic(ref.text)
    if topic is None:
        return None
    words = ARTICLE.sub('', ref.text)
    at = question.find(words)
    more = re.match(r'\s+(?:after|before|while|during|as soon as)\b[^,?;:]*', question[at + len(words):]) \
        if at >= 0 else None
    return (talker_topic(words + more.group(0)) or topic) if more else topic


def _free_wording(anchor: EventAnchor | None, target: ObjectRef, reference: ObjectRef,
                  question: str) -> tuple[EventAnchor | None, ObjectRef, ObjectRef]:
    """What plain words leave implicit: the event of a talker described by their speech ("where was
    the person who offered me a drink?"), the talker a speech clause's pronoun points at ("where was
    the woman when she offered a drink?": the woman is the event's source), and the object a sound
    clause's "it" stands for ("how far was the kettle when it beeped?": the kettle beeping)."""
    if anchor is None:
        for ref in (target, reference):
            topic = _talker_topic(ref, question) if ref.kind is RefKind.EVENT_SOURCE else None
            if topic:
                return EventAnchor('speech', topic), target, reference
        # A sound asked about as a thing ("how far away was the knock?"): where its source was, then.
        if target.kind is RefKind.NAMED and names_a_sound(target.text):
            sound = EventAnchor('sound', ARTICLE.sub('', target.text))
            return sound, ObjectRef(RefKind.EVENT_SOURCE, target.text), reference
        if reference.kind is RefKind.NAMED and names_a_sound(reference.text):
            return EventAnchor('sound', ARTICLE.sub('', reference.text)), target, \
                ObjectRef(RefKind.EVENT_SOURCE, reference.text)
        return anchor, target, reference
    talkers = []
    for ref in (target, reference):
        topic = _talker_topic(ref, question) if ref.kind is RefKind.EVENT_SOURCE else None
        # "where was the person talking about tea when the dog barked?": the talker is whoever made
        # that speech, located during the other event (not the dog, the source of the anchor).
        talkers.append(ObjectRef(RefKind.TALKER, topic)
                       if topic and (anchor.kind != 'speech' or _words(topic) != _words(anchor.phrase)) else ref)
    target, reference = talkers
    if anchor.kind == 'speech' and target.kind is RefKind.NAMED and is_said_by(anchor.speaker, target.text):
        target = ObjectRef(RefKind.EVENT_SOURCE, target.text)
    elif anchor.kind == 'sound':
        it = re.match(r'^(?:it|they)\b\s*(?P<rest>.*)$', anchor.phrase)
        if it:
            named = target if target.kind is RefKind.NAMED else reference if reference.kind is RefKind.NAMED else None
            phrase = f"{ARTICLE.sub('', named.text)} {it.group('rest')}" if named else it.group('rest')
            anchor = EventAnchor('sound', phrase.strip() or anchor.phrase)
    return anchor, target, reference


def _require_anchor_for_source(target: ObjectRef, reference: ObjectRef, anchor: EventAnchor | None) -> None:
    if anchor is None and EVENT_SOURCE.kind in (target.kind, reference.kind):
        raise UnparseableQuestionError(
            f'"{target if target.kind is RefKind.EVENT_SOURCE else reference}" needs an event to say which sound: '
            'add e.g. "when the knocking door sound comes up" or "when the speech topic \\"...\\" comes up"')
