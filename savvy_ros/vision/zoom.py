"""Zoomed second look at small, uncertain detections (coco backend).

SSD-MobileNet-v2 sees a 640x480 frame at 300x300: a 60-120 px tall object is 37-75 px there, where
its lowest feature map detects poorly (cats at low scores, cups called toilets or missed). The same
network finds such an object reliably when it fills most of its input, even a small input. So the
full-frame pass, run at a low score, proposes regions: doubtful detections, and objects it sees but
names as nothing it reports (its background score is low: see SsdMobileNetV2.detect_with_objects).
The few best small ones are cut out with some context (`context` x the box), run again at a small
input size (predicting from the low feature maps only: the object fills the crop), and their zoomed
detections replace what the full-frame pass said about those regions.

The number of crops per frame is capped, so the extra cost is bounded (a 128 px crop costs about a
fifth of the full-frame pass). Plain functions on Detection boxes, no network here.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from savvy_ros.vision.detection import Detection, box_iou

Box = tuple[float, float, float, float]
Window = tuple[int, int, int, int]


def class_nms(detections: list[Detection], iou: float) -> list[Detection]:
    """Greedy per-label NMS, best score first; the result is sorted by score."""
    kept: list[Detection] = []
    for d in sorted(detections, key=lambda d: -d.score):
        if all(k.label != d.label or box_iou(k.box, d.box) < iou for k in kept):
            kept.append(d)
    return kept


def inside(a: Box, b: Box) -> float:
    """Fraction of box a's area that lies inside box b."""
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    area = (a[2] - a[0]) * (a[3] - a[1])
    return float(iw * ih / area) if iw > 0 and ih > 0 and area > 0 else 0.0


def select_proposals(detections: list[Detection], max_crops: int, min_score: float, max_height: float,
                     threshold: Callable[[str], float], iou: float = 0.5) -> list[Detection]:
    """Up to `max_crops` distinct regions (label-agnostic NMS) scoring >= `min_score` and at most
    `max_height` [px] tall (larger objects are seen well enough already), leaving out parts of an object
    already detected whole (mostly inside a larger accepted box of the same label: a crop of a part
    finds the part). The least decided go first: those whose score is closest to their label's
    `threshold`, where a second look changes most."""
    accepted = [d for d in detections if d.score >= threshold(d.label)]
    regions: list[Detection] = []
    for d in sorted(detections, key=lambda d: -d.score):
        if d.score < min_score:
            break
        part = any(a.label == d.label and a.height > d.height and inside(d.box, a.box) >= 0.7 for a in accepted)
        if d.height <= max_height and not part and all(box_iou(r.box, d.box) < iou for r in regions):
            regions.append(d)
    return sorted(regions, key=lambda d: abs(d.score - threshold(d.label)))[:max_crops]


def object_like(doubtful: list[Detection], objects: list[Detection], threshold: Callable[[str], float],
                iou: float = 0.5) -> list[Detection]:
    """The doubtful detections worth a look when class-agnostic object boxes are known: those reported
    (score >= their label's threshold: a look may correct the label) and weak ones where the network
    also sees an object (an object box overlaps by >= `iou`); a weak class guess on what the network
    takes for background is left alone."""
    return [d for d in doubtful
            if d.score >= threshold(d.label) or any(box_iou(d.box, o.box) >= iou for o in objects)]


def unnamed_objects(objects: list[Detection], reported: list[Detection], max_height: float,
                    iou: float = 0.5) -> list[Detection]:
    """Distinct class-agnostic object boxes (see SsdMobileNetV2.detect_with_objects) that no reported
    detection overlaps by >= `iou`: things the network sees but names as nothing it would report (weak
    guesses of a class do not count: a small cup far away is often a weak bowl or toilet). At most
    `max_height` [px] tall; most object-like first."""
    regions: list[Detection] = []
    for o in sorted(objects, key=lambda o: -o.score):
        if o.height <= max_height and all(box_iou(o.box, d.box) < iou for d in reported + regions):
            regions.append(o)
    return regions


def interleave(first: list[Detection], second: list[Detection], count: int, iou: float = 0.5) -> list[Detection]:
    """Up to `count` regions taken from the two lists in turn (first[0], second[0], first[1], ...), when one
    runs out from the other; a region overlapping one already taken by >= `iou` is skipped (one look at
    a place is enough)."""
    taken: list[Detection] = []
    queues = [list(first), list(second)]
    turn = 0
    while len(taken) < count and any(queues):
        queue = queues[turn] if queues[turn] else queues[1 - turn]
        region = queue.pop(0)
        if all(box_iou(region.box, t.box) < iou for t in taken):
            taken.append(region)
            turn = 1 - turn
    return taken


def zoom_window(box: Box, context: float, width: int, height: int) -> Window:
    """Square window (x0, y0, x1, y1) [px] of side `context` x the box's longer side around its centre,
    shifted to lie inside the width x height image (and cut to it when larger)."""
    side = context * max(box[2] - box[0], box[3] - box[1], 1.0)
    w, h = min(side, width), min(side, height)
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    x0 = int(round(min(max(cx - w / 2, 0.0), width - w)))
    y0 = int(round(min(max(cy - h / 2, 0.0), height - h)))
    return x0, y0, min(width, x0 + max(1, int(round(w)))), min(height, y0 + max(1, int(round(h))))


def from_window(detections: list[Detection], window: Window, width: int, height: int,
                border: float = 2.0) -> list[Detection]:
    """Detections found in a crop, in image pixels; those touching a window edge that is not an image
    edge are dropped: the object goes on outside the crop, so their box is a cut one."""
    x0, y0, x1, y1 = window
    out = []
    for d in detections:
        bx0, by0, bx1, by1 = d.box[0] + x0, d.box[1] + y0, d.box[2] + x0, d.box[3] + y0
        cut = ((x0 > 0 and bx0 < x0 + border) or (y0 > 0 and by0 < y0 + border)
               or (x1 < width and bx1 > x1 - border) or (y1 < height and by1 > y1 - border))
        if not cut:
            out.append(replace(d, box=(bx0, by0, bx1, by1)))
    return out


def merge_zoomed(full: list[Detection], proposals: list[Detection], zoomed: list[list[Detection]],
                 iou: float) -> list[Detection]:
    """The full-frame detections with each proposal's region re-decided by its zoomed look.

    Full-frame boxes overlapping a proposal by >= 0.5 IoU (any label) give way to that crop's
    detections. A zoomed detection keeps its label; its box is averaged (weighted by score) with the
    best full-frame box it overlaps by >= 0.5 IoU, whatever that box's label: two looks at one object
    at different scales localise it better than either; where both looks give the same label the
    higher score stands. Only what overlaps its proposal by >= 0.3 IoU counts (the rest of a crop is
    context), and a zoomed box mostly inside a larger, surer box of its own label is a part of that
    object, not another one. Then per-label NMS over the union (the same object may be seen in two
    crops, or in a crop and in full).
    """
    looked_at = [p.box for p in proposals]
    kept = [d for d in full if all(box_iou(d.box, box) < 0.5 for box in looked_at)]
    given_way = [d for d in full if any(box_iou(d.box, box) >= 0.5 for box in looked_at)]
    fused = []
    # A look reports what it looked at: what a crop shows beside its proposal (context) is left to the
    # full-frame pass or to a look of its own.
    looked = [d for proposal, crop in zip(proposals, zoomed) for d in crop if box_iou(d.box, proposal.box) >= 0.3]
    for d in looked:
        same = [f for f in given_way if box_iou(f.box, d.box) >= 0.5]
        if same:
            f = max(same, key=lambda f: f.score)
            box = tuple((f.score * a + d.score * b) / (f.score + d.score) for a, b in zip(f.box, d.box))
            score = max([d.score] + [f.score for f in same if f.label == d.label])
            d = replace(d, box=box, score=score)
        fused.append(d)
    # A zoomed look inside an object seen whole finds its parts (a hand, the camera it holds, as a small
    # "person"): a zoomed box mostly inside a larger, surer box of its label is that object, not another.
    fused = [d for d in fused if not any(k.label == d.label and k.score >= d.score and k.height > d.height
                                         and inside(d.box, k.box) >= 0.7 for k in kept + fused)]
    return class_nms(kept + fused, iou)
