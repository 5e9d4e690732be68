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


def _balanced_objects(text: str) -> list[str]:
    """Every top-level {...} span, braces inside strings ignored."""
    spans, depth, start, quote, escaped = [], 0, -1, '', False
    for i, ch in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif ch == '\\':
                escaped = True
            elif ch == quote:
                quote = ''
        elif ch in '"\'' and depth > 0:
            # An apostrophe in prose ("it's") outside an object must not open a string.
            quote = ch
        elif ch == '{':
            if depth == 0:
                start = i
            depth += 1
        elif ch == '}' and depth > 0:
            depth -= 1
            if depth == 0:
                spans.append(text[start:i + 1])
    if depth > 0 and start >= 0:
        spans.append(text[start:] + '}' * depth)   # truncated output (token limit): close it
    return spans


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
        try:
            value, notes = _loads_lenient(span)
        except NoJsonObjectError:
            last_error = f'unreadable object starting {span[:40]!r}'
            continue
        if isinstance(value, dict):
            return value, notes
    raise NoJsonObjectError(f'no JSON object in the model output ({last_error}); output starts {text[:80]!r}')
