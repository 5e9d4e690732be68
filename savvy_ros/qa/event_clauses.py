"""Events named in free wording: "when she offered a drink", "the person talking about tea",
"when you heard the knocking", "when the knock on the door came".

The bench's templates quote a speech topic or name "the X sound"; people asking in their own words
say who spoke and what about, who heard a sound and when it started. These rules reduce such a
clause to what grounding compares with the map: a speech topic (what was said) or a sound phrase
(what sounded), and who the clause says spoke, so that "the woman" of "where was the woman when she
offered a drink" can be taken for the talker.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Verbs of saying: the clause is about speech. Those after which the rest is the content itself
# ("said the water is ready", "talked about the lamp") are dropped from the topic; the others say
# what kind of speech it was ("offered a drink", "asked for the salt") and stay, as in the bench's
# topics ("offering a drink").
_CONTENT_VERBS = (r"say|says|said|saying|tell|tells|told|telling|mention|mentions|mentioned|mentioning|"
                  r"talk|talks|talked|talking|speak|speaks|spoke|speaking")
_KIND_VERBS = (r"ask|asks|asked|asking|offer|offers|offered|offering|suggest|suggests|suggested|suggesting|"
               r"propose|proposes|proposed|proposing|explain|explains|explained|explaining|announce|announces|"
               r"announced|announcing|thank|thanks|thanked|thanking|complain|complains|complained|complaining|"
               r"reply|replies|replied|replying|invite|invites|invited|inviting|promise|promises|promised|"
               r"promising|apologi[sz]e|apologi[sz]es|apologi[sz]ed|apologi[sz]ing|comment|comments|commented|"
               r"commenting|describe|describes|described|describing|request|requests|requested|requesting|"
               r"remind|reminds|reminded|reminding|warn|warns|warned|warning|greet|greets|greeted|greeting|"
               r"shout|shouts|shouted|shouting|yell|yells|yelled|yelling|whisper|whispers|whispered|whispering")
_AUX = r"(?:(?:was|were|is|are|had|has|have|did|does|do|started|starts|began|begins|kept|keeps|first|just) )*"
_SPEECH = re.compile(rf"^(?P<subject>(?:[a-z']+ ){{0,3}}?){_AUX}(?P<verb>{_CONTENT_VERBS}|{_KIND_VERBS})\b\s*"
                     r"(?P<rest>.*)$")
_DETERMINER = re.compile(r"(?:^|\s)(?:the|a|an|my|your|his|her|their|our|its|this|that|some|another) $")
# Speech named by its subject: "the topic of the delivery came up", "the conversation about tea",
# "tea was mentioned".
_TALK_ABOUT = re.compile(r"^(?:the |a )?(?:topic|subject|conversation|talk|discussion|chat|question)"
                         r" (?:of|about|on) (?:the topic of )?(?P<topic>.+?)"
                         r"(?: (?:came up|comes up|started|starts|began|begins|was raised|was asked))?$")
_PASSIVE = re.compile(r"^(?P<topic>.+?) (?:was|were|is|are|got|had been|has been) (?:first )?"
                      r"(?:mentioned|said|discussed|brought up|talked about|asked about|spoken about|offered|"
                      r"suggested|proposed|announced|asked for)$")
_CONTENT = re.compile(rf"^(?:{_CONTENT_VERBS})$")
# What follows a content verb before the content: "told me that ...", "talked about ...".
_CONTENT_LEAD = re.compile(r"^(?:(?:to|with) (?:me|us|you|him|her|them|everyone) )?(?:(?:me|us|you|him|her|them) )?"
                           r"(?:about|of|on|that|how|to)?\s*")
# A talker described by what they said: "the person who offered me a drink", "the man asking about
# the delivery", "someone talking about tea".
_TALKER_WORDS = (rf"(?:person|man|woman|speaker|one|someone|somebody|guy|lady|boy|girl|child|kid|people|voice|talker)"
                 rf"(?: (?:who|that))?(?: (?:was|were|is|are|had|has))? (?P<verb>{_CONTENT_VERBS}|{_KIND_VERBS})\b")
_TALKER = re.compile(rf"^(?:the |a |an )?(?:other )?{_TALKER_WORDS}\s*(?P<rest>.*)$")
# The same within a question, up to the end of its clause.
TALKER_IN_QUESTION = re.compile(rf"\b{_TALKER_WORDS}[^,?;:]*")
PERSON_WORDS = frozenset({'person', 'man', 'woman', 'speaker', 'guy', 'lady', 'boy', 'girl', 'child', 'kid',
                          'talker', 'someone', 'somebody', 'people'})
_PRONOUNS = frozenset({'he', 'she', 'they', 'someone', 'somebody', 'the person', 'the speaker'})

# Who heard a sound, and when it started or ended, say nothing of what it was.
_HEARD = re.compile(r"^(?:(?:i|you|we) (?:(?:first|just|could|can|did) )*(?:heard|hear|noticed|notice|listened to)"
                    r" )")
_SOUND_OF = re.compile(r"^(?:the |a |an )?(?:sound|noise) of ")
_SOMEONE = re.compile(r"^(?:someone|somebody|something) ")
_ASPECT = re.compile(r"\s+(?:came up|comes up|come up|came|started|starts|began|begins|happened|happens|"
                     r"occurred|occurs|stopped|stops|ended|ends|was heard|is heard|could be heard|went on|goes on|"
                     r"was going on|is going on)$")
ARTICLE = re.compile(r"^(?:the|a|an) ")   # a leading article, as question phrases begin


@dataclass(frozen=True)
class SpeechClause:
    speaker: str   # who the clause says spoke ("she", "the man"; '' when it does not say)
    topic: str     # what about ("a drink", "asked about a delivery")


def speech_clause(clause: str) -> SpeechClause | None:
    """The speech a when-clause describes ("she offered a drink", "the man was asking about the
    delivery", "the delivery was mentioned", "the topic of tea came up"), or None when it names no
    saying."""
    about = _TALK_ABOUT.match(clause.strip()) or _PASSIVE.match(clause.strip())
    if about:
        return SpeechClause('', about.group('topic'))
    match = _SPEECH.match(clause.strip())
    if not match or _DETERMINER.search(match.group('subject')):
        return None   # "the warning beep", "a shout": the verb's word as a noun
    verb, rest = match.group('verb'), match.group('rest').strip()
    if _CONTENT.match(verb):
        topic = _CONTENT_LEAD.sub('', rest, count=1).strip()
    else:
        topic = f'{verb} {rest}'.strip()
    speaker = match.group('subject').strip()
    return SpeechClause(speaker, topic or clause.strip())


def talker_topic(words: str) -> str | None:
    """What a talker described by their speech said ("the person who offered me a drink" ->
    "offered me a drink"), or None when `words` describe no talker that way."""
    match = _TALKER.match(words.strip())
    if not match or not match.group('rest').strip():
        return None   # "the person who was talking": who, but not by what they said
    clause = speech_clause(f"{match.group('verb')} {match.group('rest')}")
    return clause.topic if clause is not None else None


def sound_phrase(clause: str) -> str:
    """The sound a when-clause names, without who heard it or that it started: "you heard the
    knocking" -> "knocking", "the knock on the door came" -> "knock on the door"."""
    phrase = clause.strip()
    for rule in (_HEARD, _SOUND_OF, ARTICLE, _SOMEONE, _ASPECT):
        shorter = rule.sub('', phrase, count=1).strip()
        phrase = shorter or phrase
    return phrase


def is_said_by(speaker: str, target: str) -> bool:
    """True when `target` ("the woman") plainly is whoever the clause's `speaker` ("she") is."""
    target = ARTICLE.sub('', target.strip())
    if target not in PERSON_WORDS:
        return False
    speaker = speaker.strip()
    return not speaker or speaker in _PRONOUNS or ARTICLE.sub('', speaker) == target
