"""Vision node over DDS: images in, ObjectObservationArray out in the optical frame with the image stamps."""
from __future__ import annotations

import numpy as np
import pytest
from node_helpers import KEEP_ALL, collect, make_node, start_node_process
from ros_helpers import spin_until, stop_peer, wait_for_line
from scenes import FOCAL, background, paste, pinhole
from video_source import write_video

pytestmark = pytest.mark.dds


@pytest.fixture
def vision(ros_context):
    """(make(**parameters) -> node, executor, listener) sharing one executor."""
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node

    from savvy_ros.nodes.vision_node import VisionNode

    executor = SingleThreadedExecutor(context=ros_context)
    listener = Node('vision_test_listener', context=ros_context)
    executor.add_node(listener)
    nodes = [listener]

    def make(**parameters):
        node = make_node(VisionNode, ros_context, **parameters)
        executor.add_node(node)
        nodes.append(node)
        return node

    yield make, executor, listener
    executor.shutdown()
    for node in nodes:
        node.destroy_node()


def test_camera_process_to_objects(vision, tmp_path):
    """A camera node process plays a video; this process detects, lifts and tracks."""
    from sensor_msgs.msg import Image

    from savvy_ros.msg import ObjectObservation, ObjectObservationArray
    from savvy_ros.ros.time_conversion import stamp_to_seconds

    make, executor, listener = vision
    node = make(classes='person,cat', track_max_age=10.0)   # a loaded machine may skip frames
    objects = collect(listener, ObjectObservationArray, '/savvy/objects')
    images = collect(listener, Image, '/camera/image_raw')
    camera = start_node_process('savvy_ros.nodes.camera_node', '-p', f'source:={write_video(tmp_path / "v.avi")}',
                                '-p', 'loop:=true', '-p', 'fps:=8.0', '-p', 'frame_id:=head_camera_optical')
    try:
        wait_for_line(camera, 'capturing')
        assert spin_until(executor, lambda: len(objects) >= 6, timeout=40), \
            f'{len(objects)} arrays from {len(images)} images; drops: {dict(node.drops.counts)}'
    finally:
        stop_peer(camera)
    image_stamps = {stamp_to_seconds(m.header.stamp) for m in images}
    for array in objects:
        assert array.header.frame_id == 'head_camera_optical'
        assert stamp_to_seconds(array.header.stamp) in image_stamps   # the capture stamp, copied
        assert (array.image_width, array.image_height) == (640, 480)
    person_ids, cat_ids = set(), set()
    for array in objects:
        for o in array.observations:
            assert o.detector == 'coco' and o.depth_source == ObjectObservation.DEPTH_SIZE_PRIOR
            cov = np.array(o.position_covariance).reshape(3, 3)
            assert np.allclose(cov, cov.T) and np.all(np.linalg.eigvalsh(cov) > 0)
            if o.label == 'person':
                person_ids.add(o.track_id)
                assert o.position.z == pytest.approx(FOCAL * 1.70 / (o.y_max - o.y_min), rel=1e-4)
            else:
                cat_ids.add(o.track_id)
                assert o.position.x > 0   # right half of the image
    tracks = [[(o.label, o.track_id, round(o.position.z, 2)) for o in a.observations] for a in objects]
    assert len(person_ids) == 1 and len(cat_ids) == 1 and 0 not in person_ids | cat_ids, tracks


def header_at(stamp: float, frame_id: str = 'camera_optical'):
    from std_msgs.msg import Header

    from savvy_ros.ros.time_conversion import seconds_to_stamp

    return Header(stamp=seconds_to_stamp(stamp), frame_id=frame_id)


def publish_frame(node, rgb, stamp: float, frame_id: str = 'camera_optical', encoding: str = 'rgb8', camera=None):
    from savvy_ros.ros.vision_messages import camera_info_msg, image_msg

    header = header_at(stamp, frame_id)
    image = image_msg(rgb, header) if rgb is not None else None
    if image is not None and encoding != 'rgb8':
        image.encoding = encoding
    node.test_info_pub.publish(camera_info_msg(camera or pinhole(), header))
    if image is not None:
        node.test_image_pub.publish(image)


def add_test_publishers(listener) -> None:
    from sensor_msgs.msg import CameraInfo, Image

    listener.test_image_pub = listener.create_publisher(Image, '/camera/image_raw', KEEP_ALL)
    listener.test_info_pub = listener.create_publisher(CameraInfo, '/camera/camera_info', KEEP_ALL)
    listener.test_depth_pub = listener.create_publisher(Image, '/camera/depth/image_raw', KEEP_ALL)


def test_bad_frames_are_counted_and_dropped_and_the_node_carries_on(vision):
    from rclpy.qos import qos_profile_sensor_data
    from sensor_msgs.msg import CameraInfo, Image

    from savvy_ros.ros.vision_messages import image_msg

    from savvy_ros.msg import ObjectObservationArray
    from savvy_ros.ros.time_conversion import stamp_to_seconds
    from savvy_ros.vision.camera_model import CameraModel

    make, executor, listener = vision
    # Stamps come from the images, never from the (absent) /clock.
    node = make(use_sim_time=True, publish_debug_image=True)
    add_test_publishers(listener)
    objects = collect(listener, ObjectObservationArray, '/savvy/objects')
    debug = collect(listener, Image, '/savvy/objects/debug_image', qos_profile_sensor_data)
    assert spin_until(executor, lambda: listener.test_image_pub.get_subscription_count() > 0, timeout=10)
    scene = background()
    paste(scene, 'person', (40, 150), 220)
    small = CameraModel(320, 240, np.array([[190.0, 0, 160], [0, 190, 120], [0, 0, 1]]))
    bad = [
        dict(rgb=scene, stamp=1.0, encoding='jpeg'),           # unsupported encoding
        dict(rgb=scene, stamp=2.0, camera=small),              # CameraInfo for another resolution
        dict(rgb=scene, stamp=3.0, frame_id=''),               # no optical frame id
    ]
    for frame in bad:   # one at a time: the node keeps the last 5 messages per topic (sensor-data QoS)
        publish_frame(listener, **frame)
        spin_until(executor, lambda: False, timeout=0.2)
    empty = Image(encoding='rgb8', height=0, width=0, step=0)
    empty.header.stamp.sec, empty.header.frame_id = 4, 'camera_optical'
    listener.test_image_pub.publish(empty)
    publish_frame(listener, None, 4.0)
    uncalibrated = CameraInfo(header=header_at(4.5), width=640, height=480)   # all-zero K
    listener.test_info_pub.publish(uncalibrated)
    listener.test_image_pub.publish(image_msg(scene, header_at(4.5)))
    publish_frame(listener, scene, 5.0)                         # a good one after all that
    assert spin_until(executor, lambda: len(objects) >= 1 and len(debug) >= 1, timeout=20), dict(node.drops.counts)
    spin_until(executor, lambda: False, timeout=0.5)
    assert [stamp_to_seconds(a.header.stamp) for a in objects] == [5.0]
    assert [(stamp_to_seconds(d.header.stamp), d.header.frame_id, d.encoding) for d in debug] == \
        [(5.0, 'camera_optical', 'rgb8')]
    assert bytes(debug[0].data) != image_msg(scene, header_at(5.0)).data.tobytes()   # boxes were drawn
    assert [o.label for o in objects[0].observations if o.score > 0.5] == ['person']
    assert dict(node.drops.counts) == {'UnsupportedEncodingError': 1, 'mismatched CameraInfo': 1,
                                       'image without frame_id': 1, 'ImageDataError': 1, 'CameraInfoError': 1}


def test_depth_image_gives_the_range(vision):
    from sensor_msgs.msg import Image

    from savvy_ros.msg import ObjectObservation, ObjectObservationArray

    make, executor, listener = vision
    make(use_depth=True, classes='person')
    add_test_publishers(listener)
    objects = collect(listener, ObjectObservationArray, '/savvy/objects')
    assert spin_until(executor, lambda: listener.test_depth_pub.get_subscription_count() > 0, timeout=10)
    scene = background()
    x0, y0, x1, y1 = paste(scene, 'person', (40, 150), 220)
    depth = np.full((480, 640), 7.0, np.float32)
    depth[int(y0):int(y1), int(x0):int(x1)] = 2.25
    for k in range(2):
        # Depth first and let it arrive: the node only waits for depth once it has seen a depth stream.
        listener.test_depth_pub.publish(Image(header=header_at(10.0 + k), height=480, width=640, encoding='32FC1',
                                              step=640 * 4, data=depth.tobytes()))
        spin_until(executor, lambda: False, timeout=0.3)
        publish_frame(listener, scene, 10.0 + k)
        assert spin_until(executor, lambda: len(objects) > k, timeout=20)
    for array in objects:
        [person] = [o for o in array.observations if o.score > 0.5]
        assert person.depth_source == ObjectObservation.DEPTH_IMAGE
        assert person.position.z == pytest.approx(2.25)
    assert objects[0].observations[0].track_id == objects[1].observations[0].track_id


def test_diagnostics_report_frames_objects_drops_and_zoomed_looks(vision):
    from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus

    make, executor, listener = vision
    node = make(diagnostics_period=0.2)
    add_test_publishers(listener)
    arrays = collect(listener, DiagnosticArray, '/diagnostics')

    def ours():
        return [s for a in arrays for s in a.status if s.name == f'{node.get_name()}: objects']

    assert spin_until(executor, lambda: ours(), timeout=10)
    first = ours()[0]
    assert first.level == DiagnosticStatus.WARN and 'no images' in first.message
    assert spin_until(executor, lambda: listener.test_image_pub.get_subscription_count() > 0, timeout=10)
    scene = background()
    paste(scene, 'person', (40, 150), 220)
    publish_frame(listener, scene, 1.0, frame_id='')             # dropped: no optical frame id
    spin_until(executor, lambda: False, timeout=0.3)
    publish_frame(listener, scene, 2.0)
    assert spin_until(executor, lambda: any(dict((v.key, v.value) for v in s.values).get('frames') == '1'
                                            for s in ours()), timeout=20)
    values = dict((v.key, v.value) for v in ours()[-1].values)
    assert values['detector'] == 'coco' and int(values['objects']) >= 1
    assert 'OpenVINO, int8' in node.pipeline.detector.describe()   # the node's default precision (auto)
    # A parameter file that picks cv2.dnn and says nothing of precision starts it in f32.
    from rclpy.parameter import Parameter

    from savvy_ros.nodes.vision_node import VisionNode
    on_cv2 = VisionNode(node_name='savvy_vision_cv2', context=node.context,
                        parameter_overrides=[Parameter('coco_backend', value='opencv')])
    try:
        assert 'cv2.dnn + numpy, f32' in on_cv2.pipeline.detector.describe()
    finally:
        on_cv2.destroy_node()
    assert values['dropped image without frame_id'] == '1'
    assert int(values['zoomed crops']) >= 0 and float(values['latency median [ms]']) > 0


def test_max_frame_rate_takes_frames_by_stamp_and_reports_the_skipped(vision):
    from diagnostic_msgs.msg import DiagnosticArray

    from savvy_ros.msg import ObjectObservationArray
    from savvy_ros.ros.time_conversion import stamp_to_seconds

    make, executor, listener = vision
    node = make(max_frame_rate=5.0, diagnostics_period=0.2, classes='person')
    add_test_publishers(listener)
    objects = collect(listener, ObjectObservationArray, '/savvy/objects')
    arrays = collect(listener, DiagnosticArray, '/diagnostics')
    assert spin_until(executor, lambda: listener.test_image_pub.get_subscription_count() > 0, timeout=10)
    scene = background()
    paste(scene, 'person', (40, 150), 220)
    for k in range(6):   # 10 fps of capture time, sent one at a time (sensor-data QoS keeps 5)
        publish_frame(listener, scene, 20.0 + 0.1 * k)
        spin_until(executor, lambda: False, timeout=0.2)
    assert spin_until(executor, lambda: len(objects) >= 3, timeout=20), dict(node.drops.counts)
    spin_until(executor, lambda: False, timeout=0.5)
    assert [round(stamp_to_seconds(a.header.stamp), 3) for a in objects] == [20.0, 20.2, 20.4]
    assert not node.drops.counts   # skipped by choice, not dropped

    def skipped() -> list[str]:
        return [v.value for a in arrays for s in a.status if s.name == f'{node.get_name()}: objects'
                for v in s.values if v.key == 'frames skipped (max_frame_rate)']

    assert spin_until(executor, lambda: '3' in skipped(), timeout=5), skipped()
