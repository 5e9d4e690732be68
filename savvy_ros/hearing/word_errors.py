"""Word error counts of transcripts (the numerator of the word error rate), for the benches and tests."""
from __future__ import annotations

import re


def transcript_words(text: str) -> list[str]:
    """Lower-case words, punctuation dropped and digits dropped (apostrophes kept: "don't" is one word)."""
    return re.sub(r"[^a-z' ]", ' ', text.lower()).split()


def word_errors(reference: str, hypothesis: str) -> int:
    """Substitutions + deletions + insertions turning `reference` into `hypothesis` (Levenshtein over words)."""
    ref, hyp = transcript_words(reference), transcript_words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (r != h))
    return row[-1]
