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


def _room(*labels: str):
    from qa_maps import static_object
    return dataclasses.replace(example_view(), objects=[static_object(k, label, (k, 0.0))
                                                        for k, label in enumerate(labels, start=1)])


@pytest.mark.parametrize('phrase, absent, mapped', [
    ('the giraffe', 'giraffe', 'teddy bear'),      # 0.5 from a teddy bear: above the threshold, but a giraffe
    ('a horse', 'horse', 'dog'),
    ('my laptop', 'laptop', 'keyboard'),
])
def test_a_phrase_naming_a_known_thing_the_map_lacks_is_not_the_nearest_mapped_one(phrase_matcher, phrase, absent,
                                                                                     mapped):
    view = _room(mapped, 'door')
    with pytest.raises(UnknownObjectError, match=f'names a "{absent}", which the map has not seen'):
        ground_object(ObjectRef(RefKind.NAMED, phrase), view, phrase_matcher)
    guessed = ground_object(ObjectRef(RefKind.NAMED, phrase), view, phrase_matcher, best_guess=True)
    assert guessed.object.label == mapped and guessed.score < 0.45   # a best guess, and said to be unsure


def test_a_mapped_name_sharing_a_word_with_a_known_one_may_be_it(phrase_matcher):
    # A tag table's "phone box" is the desk phone, though "cell phone" is the nearer COCO name.
    grounded = ground_object(ObjectRef(RefKind.NAMED, 'the desk phone'), _room('phone box', 'person'), phrase_matcher)
    assert grounded.object.label == 'phone box'
    assert ground_object(ObjectRef(RefKind.NAMED, 'the sofa'), _room('couch', 'tv'), phrase_matcher).object.label == \
        'couch'


@pytest.mark.parametrize('phrase, mapped', [
    ('the cat basket', 'cat'),                   # a basket, whatever it is for
    ('the tv stand', 'tv'),
    ('the dog outside the window', 'window'),    # a dog: the window only says where
    ('the lamp on the desk', 'desk'),
])
def test_a_mapped_name_that_only_qualifies_the_phrase_is_not_what_it_names(phrase_matcher, phrase, mapped):
    """Word overlap scored these 0.9 and more: the map's cat answered for the cat basket."""
    view = _room(mapped, 'person')
    with pytest.raises(UnknownObjectError, match=f'the mapped "{mapped}" \\(object 1\\) only qualifies what it names'):
        ground_object(ObjectRef(RefKind.NAMED, phrase), view, phrase_matcher)
    guessed = ground_object(ObjectRef(RefKind.NAMED, phrase), view, phrase_matcher, best_guess=True)
    assert guessed.score < 0.45 and guessed.stands_in   # a best guess at where, not at what
    assert guessed.object.label == mapped


@pytest.mark.parametrize('phrase, label', [
    ('the cat basket', 'basket'),                # the head named by a mapped name wins over the modifier
    ('the tv screen', 'tv'),                     # a part of the thing: still the thing
    ('the lamp on the desk', 'lamp'),
    ('the wooden dining table', 'dining table'),
])
def test_a_mapped_name_naming_the_phrase_head_is_chosen(phrase_matcher, phrase, label):
    view = _room('cat', 'tv', 'desk', 'basket', 'lamp', 'dining table')
    assert ground_object(ObjectRef(RefKind.NAMED, phrase), view, phrase_matcher).object.label == label


@pytest.mark.parametrize('phrase, head', [
    ('the cat basket', 'basket'),
    ('the sofa in the corner', 'sofa'),
    ('a dog outside the window', 'dog'),
    ('television', 'televis'),                   # stems, as content_words gives them
    ('the', None),
])
def test_the_head_of_a_noun_phrase_is_its_last_word_before_any_postmodifier(phrase, head):
    from savvy_ros.qa.phrase_matcher import head_word
    assert head_word(phrase) == head
