"""Small label vocabulary: which heard sounds an object can make, and which descriptions name it.

Deliberately literal (keywords); semantic matching of free phrases is the QA service's job.
"""
from __future__ import annotations

import functools
import re

from savvy_ros.word_stems import stem

SOUND_SOURCE_LABEL = 'sound source'  # label of an audio-only source before an event names it

# A siren indoors comes from a programme or a phone, or from the street through a door or window;
# AudioSet names emergency vehicles by theirs ("Ambulance (siren)", "Police car (siren)").
_SIREN_PLAYERS = ('tv', 'radio', 'speaker', 'loudspeaker', 'cell phone', 'laptop', 'door', 'window')
# AudioSet class keyword -> object labels (COCO names and common ArUco table labels) that make it.
_SOUND_MAKERS: dict[str, tuple[str, ...]] = {
    'speech': ('person',), 'conversation': ('person',), 'narration': ('person',), 'laughter': ('person',),
    'singing': ('person',), 'shout': ('person',), 'whisper': ('person',), 'cough': ('person',),
    'clapping': ('person',), 'footsteps': ('person',), 'child': ('person',),
    'dog': ('dog',), 'bark': ('dog',), 'cat': ('cat',), 'meow': ('cat',), 'bird': ('bird',),
    'knock': ('door',), 'door': ('door',), 'doorbell': ('door',),
    'telephone': ('cell phone', 'phone', 'phone box'), 'ringtone': ('cell phone', 'phone', 'phone box'),
    'television': ('tv',), 'music': ('tv', 'laptop', 'speaker', 'loudspeaker', 'radio', 'piano'), 'radio': ('radio', 'speaker'),
    'typing': ('keyboard', 'laptop'), 'keyboard': ('keyboard', 'laptop'), 'microwave': ('microwave',),
    'water': ('sink', 'faucet'), 'tap': ('sink', 'faucet'), 'sink': ('sink',), 'toilet': ('toilet',),
    'clock': ('clock',), 'tick': ('clock',), 'alarm': ('clock',), 'blender': ('blender',),
    'dishes': ('sink', 'bowl', 'cup'), 'cutlery': ('fork', 'knife', 'spoon'), 'vacuum': ('vacuum cleaner',),
    # Appliances that beep, hiss or ring; instruments; crying; tools and engines.
    'steam': ('kettle',), 'hiss': ('kettle',), 'whistle': ('kettle',), 'kettle': ('kettle',),
    'beep': ('kettle', 'microwave', 'oven', 'printer', 'clock', 'cell phone', 'phone', 'laptop'),
    'bleep': ('kettle', 'microwave', 'oven', 'printer', 'clock', 'cell phone', 'phone', 'laptop'),
    'buzzer': ('kettle', 'microwave', 'oven', 'printer', 'clock', 'door'),
    'ding': ('microwave', 'oven', 'clock', 'cell phone', 'phone', 'door'),
    'ring': ('cell phone', 'phone', 'phone box', 'clock', 'door'), 'ringing': ('cell phone', 'phone', 'phone box'),
    'printer': ('printer',), 'siren': _SIREN_PLAYERS, 'ambulance': _SIREN_PLAYERS, 'police': _SIREN_PLAYERS,
    'piano': ('piano',), 'guitar': ('guitar', 'person'), 'crying': ('person', 'cat'), 'cry': ('person', 'cat'),
    'sobbing': ('person',), 'whimper': ('person', 'dog', 'cat'), 'baby': ('person',),
    'engine': ('motorcycle', 'car'), 'vehicle': ('motorcycle', 'car'), 'motorcycle': ('motorcycle',),
    'clang': ('toolbox',), 'clanging': ('toolbox',), 'hammer': ('toolbox',), 'tools': ('toolbox',),
    'liquid': ('sink', 'faucet', 'kettle'), 'spray': ('sink', 'faucet'), 'pour': ('sink', 'faucet', 'kettle'),
    'caterwaul': ('cat',), 'purr': ('cat',), 'growl': ('dog',), 'howl': ('dog',), 'yip': ('dog',),
    'applause': ('person',), 'walk': ('person',),
}
_PERSON_WORDS = {'man', 'woman', 'person', 'people', 'speaker', 'boy', 'girl', 'child', 'guy', 'lady', 'someone'}
_WORD = re.compile(r"[a-z']+")


def words(text: str) -> set[str]:
    return set(_WORD.findall(text.casefold()))


def sound_makers(event_labels: list[str]) -> set[str]:
    makers: set[str] = set()
    for label in event_labels:
        for word in _stems(label):  # "Reversing beeps" -> beep
            makers.update(_SOUND_MAKERS.get(word, ()))
    return makers


_MAKER_NAMES = {name for makers in _SOUND_MAKERS.values() for name in makers if ' ' not in name}
PHRASE_MATCH_SCORE = 0.6   # a sound phrase naming what made the heard sound (or the sound itself)
SAID_BONUS = 0.25          # ... and a tag saying one of its words


@functools.lru_cache(maxsize=4096)   # the same few hundred AudioSet tags and phrases, again and again
def _stems(text: str) -> frozenset[str]:
    """Words, their crude stems ("ringing" -> "ring", "clapping" -> "clap", "barks" -> "bark") and
    their Snowball stems ("knocked" -> "knock", "rang" -> "ring"): questions say "when someone
    knocked" where tags and the bench say "knocking"."""
    out = set()
    for word in words(text):
        out.add(word)
        out.add(stem(word))
        for suffix in ('ing', 's'):
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                base = word[:-len(suffix)]
                if suffix == 'ing' and len(base) > 3 and base[-1] == base[-2]:
                    base = base[:-1]
                out.add(base)
    return frozenset(out)


def sound_phrase_score(phrase: str, event_labels: list[str]) -> float:
    """PHRASE_MATCH_SCORE when a question's sound phrase ("phone ringing", "tap running") fits the
    AudioSet tags of a heard event ("Telephone", "Water"), else 0.

    A phrase that names its source ("kettle beeping") must name one of the makers of the tags, so
    a ringing phone is not taken for a beeping kettle; one that names only the sound ("clapping",
    "running water") must share a maker with them.
    """
    stems = _stems(phrase)
    heard = sound_makers(event_labels)
    named = stems & _MAKER_NAMES
    wanted = named if named else {m for w in stems for m in _SOUND_MAKERS.get(w, ())}
    if not wanted & heard:
        return 0.0
    # A tag that says the phrase's own word ("beeping" / "Reversing beeps") beats one that only
    # shares a maker with it ("Liquid": a kettle can pour too).
    said = any(stems & _stems(label) for label in event_labels)
    if not said and stems & _IMPACT_STEMS and any(_stems(label) & _TONE_STEMS for label in event_labels[:2]):
        return 0.0   # "knocking" and a "Buzzer": both a door's, but a tagger names a knock "Music", never a tone
    if tones_disagree(phrase, event_labels):
        return 0.0   # "the phone rang" and "Beep": both a phone's, but not the tone asked about
    return PHRASE_MATCH_SCORE + (SAID_BONUS if said else 0.0)


# Kinds of tone: a tagger tells them apart (AudioSet has each), so a phrase naming one is not heard in
# tags naming only another ("the phone rang" is not the kettle's "Beep, bleep"), nor in tags naming only
# other sounds ("the siren" is not "Music", though a TV makes both). A bare "Alarm" tag is AudioSet's
# parent of them all: it agrees with every kind.
_TONE_KINDS = {'ring': 'ring', 'ringtone': 'ring', 'telephone': 'ring', 'rang': 'ring', 'doorbell': 'chime',
               'beep': 'beep', 'bleep': 'beep', 'buzzer': 'beep', 'smoke': 'beep',
               'siren': 'siren', 'ambulance': 'siren', 'police': 'siren',
               'ding': 'chime', 'chime': 'chime', 'dong': 'chime', 'whistle': 'whistle', 'whistl': 'whistle'}
_ANY_TONE_TAGS = {'alarm'}
# Sound words that are no tone: a tag naming one of them (and no tone) heard something else.
_OTHER_SOUNDS = {w for w in _SOUND_MAKERS if w not in _MAKER_NAMES and w not in _TONE_KINDS} - {'alarm'}


def _tones(text: str) -> set[str]:
    return {_TONE_KINDS[s] for s in _stems(text) if s in _TONE_KINDS}


def tones_disagree(phrase: str, event_labels: list[str]) -> bool:
    """True when `phrase` names a kind of tone ("ringing", "beeps", "siren") and the event's tags name
    sounds, but not that tone: another kind of tone, or only sounds that are no tone ("Music").
    Tags naming only things ("Telephone", "Television") or a bare "Alarm" do not disagree."""
    wanted = _tones(phrase)
    if not wanted:
        return False
    heard: set[str] = set()
    other = False
    for label in event_labels:
        if label.strip().casefold() in _ANY_TONE_TAGS:
            return False
        heard |= _tones(label)
        other = other or bool(_stems(label) & _OTHER_SOUNDS)
    if heard:
        return not heard & wanted
    return other


# AudioSet classes a room's own background is tagged with (diffuse noise, air, hum): an event tagged
# with nothing else is rarely what a question means by a sound.
_AMBIENT_TAGS = {'rustle', 'wind', 'wind noise (microphone)', 'pink noise', 'white noise', 'brown noise', 'static',
                 'hum', 'mains hum', 'noise', 'silence', 'environmental noise', 'rumble', 'inside, small room',
                 'inside, large room or hall', 'outside, rural or natural', 'snake', 'hiss'}
_AMBIENT_WORDS = {w for tag in _AMBIENT_TAGS for w in words(tag)} - {'inside', 'outside', 'room', 'small', 'large',
                                                                       'or', 'hall', 'rural', 'natural'}


def is_ambient(event_labels: list[str], top: int = 2) -> bool:
    """True when the event's `top` tags are all background-noise classes ("Rustle", "Wind", ...)."""
    head = [label.strip().casefold() for label in event_labels[:top] if label.strip()]
    return bool(head) and all(label in _AMBIENT_TAGS for label in head)


# Sounds made of impacts: what they sound like is abrupt onsets (AudioEvent.impulsiveness), which a
# room's reverberation leaves alone while it smears what a tagger names them by. Stems ("knocking" ->
# knock); not "tap", which runs water as often as it is tapped.
_IMPACT_STEMS = {'knock', 'clap', 'applause', 'footstep', 'step', 'stomp', 'clang', 'clank', 'clatter', 'hammer',
                 'bang', 'slam', 'thud', 'thump', 'chop', 'crack'}


# Tags of tones (beeps, buzzers, rings, sirens): what a room does to an impact never sounds like one.
_TONE_STEMS = {'beep', 'bleep', 'buzzer', 'ring', 'ringtone', 'siren', 'alarm', 'whistle', 'chime', 'ding',
               'telephone', 'smoke'}


# Words that name a sound and no object: "the knock", "the beeping", "the barking" are heard, not seen.
_SOUND_ONLY_STEMS = {'speech', 'convers', 'narrat', 'laughter', 'laugh', 'sing', 'shout', 'whisper', 'cough', 'bark',
                     'meow', 'ring', 'ringtone', 'music', 'tick', 'alarm', 'hiss', 'whistl', 'beep', 'bleep', 'buzzer',
                     'ding', 'siren', 'cri', 'sob', 'whimper', 'clang', 'caterwaul', 'purr', 'growl', 'howl', 'yip',
                     'noise', 'sound', 'chime', 'scream', 'squeak', 'crash', 'splash', 'rumbl'}


_DEVICE_WORDS = {'clock', 'speaker', 'loudspeaker', 'radio', 'phone', 'bell'}   # "the alarm clock" is a thing


def names_a_sound(phrase: str) -> bool:
    """True when a phrase names a sound rather than a thing: "the knock", "that beeping", "the dog
    barking" (the dog's bark), not "the dog" or "the alarm clock"."""
    said = words(phrase)
    return bool({stem(w) for w in said} & (_SOUND_ONLY_STEMS | _IMPACT_STEMS)) and not said & _DEVICE_WORDS


def names_impact_sound(phrase: str) -> bool:
    """True when a phrase is about a sound of impacts ("knocking door", "footsteps", "the clanging")."""
    return bool(_stems(phrase) & _IMPACT_STEMS)


# Sounds that go on without abrupt onsets (music, a siren, a running tap): an event made of impacts is
# rarely one of them, though taggers name a reverberant knock "Music" (b07: a knock and the radio's
# music both tagged so). Not barks, beeps or rings, which start abruptly, nor a TV or radio, whose
# programme may be speech or anything else.
_SUSTAINED_STEMS = {'music', 'song', 'singing', 'sing', 'siren', 'alarm', 'water', 'tap', 'running', 'run', 'hum',
                    'humming', 'engine', 'vacuum', 'fan', 'rain', 'hiss', 'hissing'}


def names_sustained_sound(phrase: str) -> bool:
    """True when a phrase is about a sound without abrupt onsets ("music", "the siren", "tap running")."""
    stems = _stems(phrase)
    return bool(stems & _SUSTAINED_STEMS) and not stems & _IMPACT_STEMS


def names_ambient_sound(phrase: str) -> bool:
    """True when a phrase is itself about such a sound ("the wind", "a hissing noise")."""
    return bool(_stems(phrase) & _AMBIENT_WORDS)


def label_compatibility(event_labels: list[str], object_names: list[str]) -> float:
    """1 when the object can make the sound, 0.5 for an unnamed source, 0.15 otherwise."""
    names = {n.casefold() for n in object_names}
    if names & sound_makers(event_labels) or names & {label.casefold() for label in event_labels}:
        return 1.0
    if SOUND_SOURCE_LABEL in names:
        return 0.5
    return 0.15


def description_names(description: str, object_names: list[str]) -> bool:
    """True when a free description ("the man in a blue shirt") names one of `object_names`."""
    found = words(description)
    if found & _PERSON_WORDS:
        found.add('person')
    text = description.casefold()
    return any(n.casefold() in found or (' ' in n and n.casefold() in text) for n in object_names)
