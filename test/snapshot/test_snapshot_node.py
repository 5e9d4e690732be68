"""The snapshot node in process: camera frames and audio fill the buffer, bad input is dropped,
/savvy/describe sends the clip to a real HTTP endpoint and publishes the parsed descriptor."""
from __future__ import annotations

import json
import math
import time

import numpy as np
import pytest
from ros_helpers import spin_until

pytestmark = pytest.mark.dds

REPLY = json.dumps({'event': 'knock', 'start_time': '0:02', 'end_time': '0:03', 'mode': 'egocentric',
                    'sounding_object': {'description': 'door', 'is_static': 'true',
                                        'key_frames': {'0:02': {'distance': '2.5', 'direction': '90'}}},
                    'reference_object': 'N/A'})


def image_msg(t: float, value: int, step_error: bool = False):
    from sensor_msgs.msg import Image

    from savvy_ros.ros.time_conversion import seconds_to_stamp
    msg = Image(height=48, width=64, encoding='rgb8', step=64 * 3 - (10 if step_error else 0),
                data=np.full(48 * 64 * 3, value, np.uint8).tobytes())
    msg.header.stamp, msg.header.frame_id = seconds_to_stamp(t), 'camera_optical'
    return msg


def audio_msg(t: float, channels: int = 4, samples: int = 4800, bad: bool = False):
    from savvy_ros.msg import AudioChunk
    from savvy_ros.ros.time_conversion import seconds_to_stamp
    data = np.tile(np.sin(np.arange(samples) / 7.0, dtype=np.float32)[:, None] * 0.1, (1, channels)).reshape(-1)
    msg = AudioChunk(sample_rate=48000, channels=channels, data=(data[:-1] if bad else data).tolist())
    msg.header.stamp, msg.header.frame_id = seconds_to_stamp(t), 'mic_array'
    return msg


@pytest.mark.parametrize('executor_kind', ['SingleThreadedExecutor', 'MultiThreadedExecutor'])   # ours; a user's
def test_buffered_clip_goes_to_the_backend_and_the_descriptor_is_published(ros_context, scripted_endpoint,
                                                                           executor_kind):
    import rclpy.executors
    from rclpy.node import Node
    from rclpy.parameter import Parameter
    from rclpy.qos import qos_profile_sensor_data
    from sensor_msgs.msg import Image

    from savvy_ros.msg import AudioChunk, SnapshotDescriptor
    from savvy_ros.nodes.snapshot_node import SNAPSHOT_QOS, SnapshotNode
    from savvy_ros.ros.time_conversion import stamp_to_seconds
    from savvy_ros.srv import DescribeSnapshot

    endpoint = scripted_endpoint([(503, 'warming up', 0.0), (200, REPLY, 0.3)])
    snapshot = SnapshotNode(context=ros_context, parameter_overrides=[
        Parameter('backend', value='openai'), Parameter('base_url', value=endpoint.url),
        Parameter('backoff', value=0.05), Parameter('buffer_frame_rate', value=2.0),
        Parameter('clip_max_frames', value=4), Parameter('send_audio', value=True)])
    test = Node('snapshot_node_test', context=ros_context)
    executor = getattr(rclpy.executors, executor_kind)(context=ros_context)
    executor.add_node(snapshot)
    executor.add_node(test)
    images = test.create_publisher(Image, '/camera/image_raw', qos_profile_sensor_data)
    audio = test.create_publisher(AudioChunk, '/mic_array/audio', qos_profile_sensor_data)
    published: list = []
    test.create_subscription(SnapshotDescriptor, '/savvy/snapshots', published.append, SNAPSHOT_QOS)
    spin_until(executor, lambda: images.get_subscription_count() and audio.get_subscription_count(), 10.0)

    for k in range(40):                                   # 4 s of 10 fps video and 0.05 s audio chunks
        t = 100.0 + 0.1 * k
        images.publish(image_msg(t, k))
        audio.publish(audio_msg(t))
        audio.publish(audio_msg(t + 0.05))
        # Best-effort sensor QoS keeps 5 per reader: wait until this burst is in before the next.
        spin_until(executor, lambda: (snapshot.buffer.newest or 0.0) >= t + 0.09, 5.0)
    assert spin_until(executor, lambda: len(snapshot.buffer.frames) == 8 and snapshot.buffer.newest >= 103.9, 10.0)
    # Bad input is counted by kind and dropped; the node goes on (and keeps what it had).
    for kind, count, msg in (('image', 1, image_msg(104.0, 1, step_error=True)), ('audio chunk', 1, audio_msg(104.0, bad=True)),
                             ('audio chunk', 2, audio_msg(104.0, samples=0))):
        (images if kind == 'image' else audio).publish(msg)
        assert spin_until(executor, lambda: snapshot.drops.counts[kind] == count, 10.0), kind
    assert len(snapshot.buffer.frames) == 8

    client = test.create_client(DescribeSnapshot, '/savvy/describe')
    assert client.wait_for_service(timeout_sec=10.0)
    future = client.call_async(DescribeSnapshot.Request(question='where is the door?'))
    frames_during_call = []
    deadline = time.monotonic() + 20.0
    # The backend call runs on a worker: frames keep arriving while the service is busy.
    while not future.done():
        images.publish(image_msg(104.0 + 0.5 * len(frames_during_call), 200))
        frames_during_call.append(len(snapshot.buffer.frames))
        spin_until(executor, lambda: False, 0.05)
        assert time.monotonic() < deadline, 'the service never answered'
    reply = future.result()
    assert reply.success, reply.error
    assert reply.frames == 4 and reply.audio_duration == pytest.approx(4.0, abs=0.06)
    assert frames_during_call[-1] > frames_during_call[0]
    body = endpoint.bodies[-1]
    kinds = [p['type'] for p in body['messages'][1]['content']]
    assert kinds == ['text'] + ['image_url'] * 4 + ['input_audio'] and len(endpoint.bodies) == 2   # one retry

    d = reply.descriptor
    assert (stamp_to_seconds(d.start), stamp_to_seconds(d.end)) == (pytest.approx(102.0), pytest.approx(103.0))
    assert stamp_to_seconds(d.header.stamp) >= 103.9 and d.header.frame_id == 'head'   # clip end: newest data
    assert len(d.objects) == 1 and d.objects[0].is_static == d.objects[0].STATIC_YES
    assert d.objects[0].keyframes[0].azimuth == pytest.approx(-math.pi / 2)   # 90 deg right
    assert d.model == 'openai:default' and d.raw_output == REPLY
    assert spin_until(executor, lambda: len(published) == 1, 5.0) and published[0].event == 'knock'
    executor.shutdown()
    test.destroy_node()
    snapshot.destroy_node()


def test_without_a_backend_the_service_says_what_to_set(ros_context):
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node
    from rclpy.parameter import Parameter

    from savvy_ros.nodes.snapshot_node import SnapshotNode
    from savvy_ros.srv import DescribeSnapshot

    snapshot = SnapshotNode(context=ros_context, parameter_overrides=[Parameter('backend', value='gemini'),
                                                                      Parameter('api_key_env', value='NO_SUCH_ENV')])
    test = Node('snapshot_idle_test', context=ros_context)
    executor = SingleThreadedExecutor(context=ros_context)
    executor.add_node(snapshot)
    executor.add_node(test)
    client = test.create_client(DescribeSnapshot, '/savvy/describe')
    assert client.wait_for_service(timeout_sec=10.0)
    future = client.call_async(DescribeSnapshot.Request(question='where is the door?'))
    assert spin_until(executor, future.done, 10.0)
    assert not future.result().success and "backend 'gemini' unavailable" in future.result().error
    executor.shutdown()
    test.destroy_node()
    snapshot.destroy_node()
