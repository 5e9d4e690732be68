"""Image / CameraInfo / depth matching by capture stamp, in any arrival order."""
from __future__ import annotations

from savvy_ros.vision.stamp_sync import StampSynchronizer


def test_matches_in_any_order_and_keeps_image_order():
    sync = StampSynchronizer(tolerance=0.001)
    assert sync.add_image(1.0, 'img1') == []
    assert sync.add_image(2.0, 'img2') == []
    [second_waits] = [sync.add_info(2.0, 'info2')]
    assert second_waits == []                      # img1 is older and still waits
    frames = sync.add_info(1.0005, 'info1')
    assert [(f.image, f.info, f.depth) for f in frames] == [('img1', 'info1', None), ('img2', 'info2', None)]
    assert sync.add_info(3.0, 'info3') == []
    assert [f.image for f in sync.add_image(3.0, 'img3')] == ['img3']


def test_images_without_camera_info_are_dropped_and_reported():
    reported = []
    sync = StampSynchronizer(tolerance=0.001, queue_size=2, on_drop=lambda kind, detail: reported.append(kind))
    sync.add_info(0.0, 'info0')
    assert [f.image for f in sync.add_image(0.0, 'img0')] == ['img0']
    for k in range(1, 5):
        sync.add_image(float(k), f'img{k}')
    assert sync.dropped['image without CameraInfo'] == 2 and reported == ['image without CameraInfo'] * 2
    assert [f.image for f in sync.add_info(3.0, 'info')] == ['img3']
    assert sync.skipped_at_start == 0


def test_images_before_the_first_match_are_skipped_not_dropped():
    # The info subscription can be matched by discovery after the image one: the first images'
    # infos were never delivered. That is start-up, counted apart, not a drop to warn about.
    reported = []
    sync = StampSynchronizer(tolerance=0.001, queue_size=2, on_drop=lambda kind, detail: reported.append(kind))
    for k in range(4):
        sync.add_image(float(k), f'img{k}')
    assert sync.skipped_at_start == 2 and not sync.dropped and reported == []
    assert [f.image for f in sync.add_info(3.0, 'info3')] == []      # img2 heads the queue, its info lost
    assert [f.image for f in sync.add_image(4.0, 'img4')] == ['img3']   # img2 overflows, img3 goes
    assert sync.skipped_at_start == 3 and sync.matched == 1
    assert [f.image for f in sync.add_info(4.0, 'info4')] == ['img4']
    for k in (5, 6, 7):
        sync.add_image(float(k), f'img{k}')
    assert sync.skipped_at_start == 3 and reported == ['image without CameraInfo']   # after a match: a drop


def test_depth_is_awaited_briefly_then_skipped():
    sync = StampSynchronizer(tolerance=0.001, queue_size=3, use_depth=True)
    # No depth stream seen yet: frames go without depth.
    sync.add_info(1.0, 'i1')
    assert [(f.image, f.depth) for f in sync.add_image(1.0, 'img1')] == [('img1', None)]
    sync.add_depth(2.0, 'd2')
    sync.add_info(2.0, 'i2')
    assert [(f.image, f.depth) for f in sync.add_image(2.0, 'img2')] == [('img2', 'd2')]
    # img3's depth never comes: it waits until the queue is full, then goes without.
    for k in (3, 4):
        sync.add_info(float(k), f'i{k}')
        assert sync.add_image(float(k), f'img{k}') == []
    sync.add_info(5.0, 'i5')
    frames = sync.add_image(5.0, 'img5')
    assert [(f.image, f.depth) for f in frames][:1] == [('img3', None)]
    assert sync.dropped['depth'] >= 1


def test_depth_ignored_when_not_used():
    sync = StampSynchronizer(use_depth=False)
    sync.add_depth(1.0, 'd1')
    sync.add_info(1.0, 'i1')
    assert [f.depth for f in sync.add_image(1.0, 'img1')] == [None]
