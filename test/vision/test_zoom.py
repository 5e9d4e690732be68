"""The zoomed second look (zoom.py): proposals, crop windows, cut boxes and the merge; no network."""
from __future__ import annotations

import pytest

from savvy_ros.vision.detection import Detection
from savvy_ros.vision.zoom import (class_nms, from_window, inside, interleave, merge_zoomed, object_like,
                                  select_proposals, unnamed_objects, zoom_window)


def det(label: str, score: float, box, detector: str = 'coco') -> Detection:
    return Detection(label, score, tuple(float(v) for v in box), detector)


def flat(threshold: float = 0.3):
    return lambda label: threshold


def test_class_nms_merges_one_label_only_and_sorts_by_score():
    a, b = det('cat', 0.5, (0, 0, 100, 100)), det('cat', 0.9, (5, 5, 100, 100))
    c = det('dog', 0.7, (0, 0, 100, 100))
    assert class_nms([a, b, c], 0.5) == [b, c]


def test_proposals_are_small_distinct_and_least_decided_first():
    big = det('person', 0.35, (0, 0, 100, 200))             # taller than max_height
    weak = det('cup', 0.02, (400, 10, 450, 60))              # under min_score
    sure = det('cat', 0.95, (200, 200, 280, 260))
    doubtful = det('cat', 0.25, (300, 300, 360, 350))
    twin = det('dog', 0.2, (302, 300, 360, 350))             # the same region as `doubtful`
    found = select_proposals([big, weak, sure, doubtful, twin], 5, 0.05, 150, flat())
    assert found == [doubtful, sure]                         # |0.25 - 0.3| < |0.95 - 0.3|
    assert select_proposals([big, weak, sure, doubtful, twin], 1, 0.05, 150, flat()) == [doubtful]
    assert select_proposals([sure, doubtful], 0, 0.05, 150, flat()) == []


def test_proposal_margin_uses_each_labels_threshold():
    cup, cat = det('cup', 0.15, (0, 0, 50, 50)), det('cat', 0.45, (100, 100, 150, 150))
    thresholds = {'cup': 0.2, 'cat': 0.5}
    assert select_proposals([cup, cat], 1, 0.05, 150, thresholds.get) == [cat]


def test_parts_of_an_object_seen_whole_get_no_crop():
    person = det('person', 0.9, (100, 100, 200, 400))
    head = det('person', 0.2, (120, 100, 180, 160))          # inside the accepted person
    cup = det('cup', 0.2, (150, 200, 190, 240))              # inside it too, but another label
    assert inside(head.box, person.box) == 1.0
    assert select_proposals([person, head, cup], 3, 0.05, 150, flat()) == [cup]


def test_unnamed_objects_are_the_object_boxes_no_reported_detection_explains():
    reported = det('cat', 0.6, (300, 300, 360, 350))
    over_cat = det('', 0.6, (302, 298, 360, 352))
    cup_like = det('', 0.3, (2, 0, 60, 62))                   # a weak class guess there is no report
    twin = det('', 0.2, (4, 2, 60, 60))                       # the same region as cup_like
    tall = det('', 0.9, (400, 0, 480, 200))                   # taller than max_height
    other = det('', 0.5, (500, 400, 540, 440))
    found = unnamed_objects([over_cat, cup_like, twin, tall, other], [reported], 150)
    assert found == [other, cup_like]                         # most object-like first
    assert unnamed_objects([], [reported], 150) == []


def test_weak_guesses_on_what_the_network_takes_for_background_get_no_look():
    thresholds = {'cat': 0.2, 'bowl': 0.3}.get
    on_object = det('bowl', 0.08, (0, 0, 60, 60))
    on_nothing = det('cat', 0.06, (200, 200, 250, 260))
    reported = det('cat', 0.5, (400, 400, 450, 460))          # a look may still correct its label
    objects = [det('', 0.4, (2, 1, 60, 62))]
    assert object_like([on_object, on_nothing, reported], objects, thresholds) == [on_object, reported]


def test_crops_alternate_between_the_two_kinds_and_spares_go_to_the_other():
    a1, a2, a3 = (det('cat', s, (100 * i, 0, 100 * i + 50, 50)) for i, s in enumerate((0.1, 0.2, 0.3)))
    b1, b2 = (det('', s, (100 * i, 300, 100 * i + 50, 350)) for i, s in enumerate((0.4, 0.5)))
    assert interleave([a1, a2, a3], [b1, b2], 2) == [a1, b1]
    assert interleave([a1, a2, a3], [b1, b2], 4) == [a1, b1, a2, b2]
    assert interleave([a1, a2, a3], [b1], 3) == [a1, b1, a2]
    assert interleave([], [b1, b2], 2) == [b1, b2] and interleave([a1], [], 2) == [a1]
    assert interleave([a1], [b1], 0) == []
    same_place = det('', 0.9, (2, 0, 50, 52))                 # a1's region: one look is enough
    assert interleave([a1, a2], [same_place, b1], 3) == [a1, b1, a2]


def test_zoom_window_is_a_square_around_the_box_inside_the_image():
    assert zoom_window((300, 200, 340, 280), 1.5, 640, 480) == (260, 180, 380, 300)
    assert zoom_window((0, 0, 40, 80), 1.5, 640, 480) == (0, 0, 120, 120)            # shifted in
    assert zoom_window((600, 440, 640, 480), 2.0, 640, 480) == (560, 400, 640, 480)
    assert zoom_window((0, 0, 400, 470), 1.5, 640, 480) == (0, 0, 640, 480)          # cut to the image


def test_from_window_moves_boxes_and_drops_ones_cut_by_an_inner_edge():
    window = (100, 50, 228, 178)
    whole = det('cat', 0.8, (10, 10, 100, 100))
    cut = det('cat', 0.6, (0.5, 20, 60, 90))                 # touches the crop's left edge
    out = from_window([whole, cut], window, 640, 480)
    assert [d.box for d in out] == [(110.0, 60.0, 200.0, 150.0)]
    # At the image border a box may touch the crop edge: the object really ends there.
    corner = from_window([cut], (0, 0, 128, 128), 640, 480)
    assert corner[0].box == (0.5, 20.0, 60.0, 90.0)


def test_merge_replaces_the_looked_at_region_and_fuses_its_box():
    toilet = det('toilet', 0.6, (100, 100, 200, 200))        # the full-frame pass's guess
    elsewhere = det('person', 0.8, (400, 100, 450, 250))
    cup = det('cup', 0.9, (110, 110, 200, 200))              # the zoomed look's answer
    merged = merge_zoomed([toilet, elsewhere], [toilet], [[cup]], 0.5)
    assert [d.label for d in merged] == ['cup', 'person']
    fused = merged[0]
    assert fused.score == 0.9                                 # the zoomed look decides the label and score
    assert fused.box == pytest.approx((106.0, 106.0, 200.0, 200.0))   # (0.6 * full + 0.9 * zoomed) / 1.5


def test_a_look_reports_what_it_looked_at_not_its_context():
    proposal = det('cell phone', 0.05, (210, 264, 229, 315))  # a phone in a hand at a person's edge
    person = det('person', 0.98, (68, 199, 232, 475))
    beside = det('person', 0.46, (225, 255, 241, 300))        # the crop's context, hardly the phone's box
    phone = det('cell phone', 0.4, (211, 266, 229, 314))
    merged = merge_zoomed([person, proposal], [proposal], [[beside, phone]], 0.5)
    assert [(d.label, d.score) for d in merged] == [('person', 0.98), ('cell phone', 0.4)]


def test_a_zoomed_part_of_an_object_seen_whole_is_not_another_object():
    person = det('person', 0.9, (100, 100, 200, 400))
    proposal = det('', 0.3, (150, 200, 170, 240))             # something the network could not name
    hand_as_person = det('person', 0.4, (150, 202, 168, 240))  # inside the person seen whole
    cup = det('cup', 0.35, (152, 205, 170, 238))              # another label: an object it holds
    merged = merge_zoomed([person], [proposal], [[hand_as_person, cup]], 0.5)
    assert [d.label for d in merged] == ['person', 'cup']
    alone = merge_zoomed([], [proposal], [[hand_as_person]], 0.5)
    assert [d.label for d in alone] == ['person']             # no larger person: it stays


def test_merge_keeps_the_higher_score_of_two_same_label_looks_and_drops_unconfirmed():
    cat = det('cat', 0.5, (100, 100, 200, 180))
    dog = det('dog', 0.35, (102, 100, 200, 180))             # not confirmed by the zoomed look
    zoomed_cat = det('cat', 0.4, (100, 100, 200, 180))
    merged = merge_zoomed([cat, dog], [cat], [[zoomed_cat]], 0.5)
    assert [(d.label, d.score) for d in merged] == [('cat', 0.5)]
    # Nothing found in the crop: the region's full-frame guesses are dropped.
    assert merge_zoomed([cat, dog], [cat], [[]], 0.5) == []
    # No proposals: the full-frame detections as they were.
    assert merge_zoomed([cat, dog], [], [], 0.5) == [cat, dog]
