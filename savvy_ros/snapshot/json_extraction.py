"""Find the JSON object in an LLM's answer: fenced, inside prose, or slightly malformed.

Models wrap JSON in ```json fences, add sentences before and after, leave trailing commas, use
Python literals (True/None, single quotes) or typographic quotes. We try the strict reading
first and repair only when it fails, so well-formed output is never altered.
"""
from __future__ import annotations

import ast
import json
import re
from typing import Any

_FENCE = re.compile(r'```[ \t]*(?:json|JSON|javascript|js|python)?[ \t]*\n?(.*?)```', re.DOTALL)
_TRAILING_COMMA = re.compile(r',(\s*[}\]])')
_LINE_COMMENT = re.compile(r'^\s*//.*$', re.MULTILINE)
_SMART_QUOTES = str.maketrans({'\u201c': '"', '\u201d': '"', '\u2018': "'", '\u2019': "'"})


class NoJsonObjectError(ValueError):
    """The text holds no readable JSON object."""


class _Scanner:
    """Characters outside string literals, with the bracket nesting depth before each one.

    Quotes open strings only inside brackets, so an apostrophe in prose ("it's") around the
    object does not swallow it; `open_quote` is the quote still open at the end (truncation).
    """

    def __init__(self, text: str) -> None:
        self.text, self.open_quote = text, ''

    def __iter__(self):
        depth, escaped = 0, False
        for i, ch in enumerate(self.text):
            if self.open_quote:
                if escaped:
                    escaped = False
                elif ch == '\\':
                    escaped = True
                elif ch == self.open_quote:
                    self.open_quote = ''
                continue
            if ch in '"\'' and depth > 0:
                self.open_quote = ch
                continue
            yield i, ch
            depth += 1 if ch in '{[' else -1 if ch in '}]' and depth > 0 else 0


def _balanced_objects(text: str) -> list[str]:
    """Every top-level {...} span; an unterminated one (cut-off output) is kept as it is."""
    spans, depth, start = [], 0, -1
    for i, ch in _Scanner(text):
        if ch == '{':
            if depth == 0:
                start = i
            depth += 1
        elif ch == '}' and depth > 0:
            depth -= 1
            if depth == 0:
                spans.append(text[start:i + 1])
    if depth > 0 and start >= 0:
        spans.append(text[start:])                 # truncated output (token limit): repaired later
    return spans


def _truncation_repairs(span: str, limit: int = 40) -> list[str]:
    """Ways to close an object cut off by a token limit: back to a complete member, then close.

    Each comma outside strings is a point where every member before it is complete, so the text
    up to it plus the closing brackets (in reverse order of opening) is valid JSON if the cut-off
    tail was the only problem.
    """
    stack, cuts = [], []
    scanner = _Scanner(span)
    for i, ch in scanner:
        if ch in '{[':
            stack.append('}' if ch == '{' else ']')
        elif ch in '}]' and stack:
            stack.pop()
        elif ch == ',' and stack:
            cuts.append((i, ''.join(reversed(stack))))
    if not stack:
        return []
    whole = span + scanner.open_quote + ''.join(reversed(stack))    # only the last string or value was cut
    return [whole] + [span[:i] + closers for i, closers in reversed(cuts[-limit:])]


def _loads_lenient(candidate: str) -> tuple[Any, list[str]]:
    try:
        return json.loads(candidate), []
    except json.JSONDecodeError:
        pass
    repaired = _TRAILING_COMMA.sub(r'\1', _LINE_COMMENT.sub('', candidate.translate(_SMART_QUOTES)))
    try:
        return json.loads(repaired), ['repaired malformed JSON (trailing commas, comments or quotes)']
    except json.JSONDecodeError:
        pass
    try:  # Python literal syntax: single quotes, True/False/None
        return ast.literal_eval(repaired), ['read the output as a Python literal, not JSON']
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise NoJsonObjectError('not JSON') from None


def extract_json_object(text: str) -> tuple[dict[str, Any], list[str]]:
    """The largest readable JSON object in `text`, and notes on any repair it needed."""
    if not isinstance(text, str) or not text.strip():
        raise NoJsonObjectError('the model output is empty')
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    spans = [s for c in candidates for s in ([c.strip()] + _balanced_objects(c)) if s.startswith('{')]
    last_error = 'no {...} object found'
    for span in sorted(dict.fromkeys(spans), key=len, reverse=True):
        for attempt, candidate in enumerate([span, *_truncation_repairs(span)]):
            try:
                value, notes = _loads_lenient(candidate)
            except NoJsonObjectError:
                last_error = f'unreadable object starting {span[:40]!r}'
                continue
            if isinstance(value, dict):
                if attempt:
                    notes = [*notes, 'the output was cut off (token limit?): closed it after the last complete '
                                     'member']
                return value, notes
    raise NoJsonObjectError(f'no JSON object in the model output ({last_error}); output starts {text[:80]!r}')
