"""English word stems, shared by the map's sound vocabulary and the QA's phrase matching.

Snowball (Porter 2) stems join a word's inflections ("knocked", "knocking", "knocks" -> "knock"),
which people use freely in questions ("when someone knocked") while AudioSet tags and the
bench's phrases use one form. A few irregular past tenses of sound verbs are added by hand.
"""
from __future__ import annotations

import functools
import threading

# Irregular past forms of verbs that name sounds or speech ("the phone rang").
IRREGULAR_PAST = {'rang': 'ring', 'rung': 'ring', 'sang': 'sing', 'sung': 'sing', 'spoke': 'speak',
                  'spoken': 'speak', 'said': 'say', 'told': 'tell', 'blew': 'blow', 'broke': 'break',
                  'fell': 'fall', 'struck': 'strike', 'shook': 'shake', 'began': 'begin', 'went': 'go'}

_STEMMERS = threading.local()


@functools.lru_cache(maxsize=16384)
def stem(word: str) -> str:
    """The Snowball (Porter 2) English stem of a lower-case word ("thanking" and "thanks" are both
    "thank"), or the present stem of an irregular past form in IRREGULAR_PAST ("rang" -> "ring")."""
    if word in IRREGULAR_PAST:
        return IRREGULAR_PAST[word]
    stemmer = getattr(_STEMMERS, 'english', None)
    if stemmer is None:   # Snowball stemmers keep state between calls: one per thread
        import snowballstemmer
        stemmer = _STEMMERS.english = snowballstemmer.stemmer('english')
    return stemmer.stemWord(word)
