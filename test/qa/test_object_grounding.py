"""Object references grounded in map labels: what the error says when nothing is left to match."""
from __future__ import annotations

import dataclasses

import pytest
from qa_maps import example_view

from savvy_ros.qa.errors import UnknownObjectError
from savvy_ros.qa.grounding import ground_object
from savvy_ros.qa.question import ObjectRef, RefKind


def test_a_reference_with_every_mapped_object_already_used_says_so(phrase_matcher):
    view = example_view()
    with pytest.raises(UnknownObjectError, match='already stand for other objects of the question') as raised:
        ground_object(ObjectRef(RefKind.NAMED, 'back door'), view, phrase_matcher, best_guess=True,
                      exclude={o.id for o in view.objects})
    assert 'holds no objects' not in str(raised.value)
    with pytest.raises(UnknownObjectError, match='holds no objects yet'):
        ground_object(ObjectRef(RefKind.NAMED, 'back door'), dataclasses.replace(view, objects=[]), phrase_matcher)
