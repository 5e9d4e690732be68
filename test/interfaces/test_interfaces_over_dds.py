"""Every savvy_ros interface crosses Fast DDS between two processes and comes back unchanged."""
from __future__ import annotations

import signal

import numpy as np
import pytest
from message_samples import REPO, fill, interface_names, message_class
from ros_helpers import spin_until, start_peer, stop_peer, wait_for_line

pytestmark = pytest.mark.dds
MESSAGES = interface_names('msg')


def test_every_design_interface_is_defined():
    # The roles DESIGN.md names; names may be refined, roles may not disappear.
    required = {'AudioChunk', 'AudioBearing', 'AudioBearingArray', 'AudioEvent', 'AudioEventArray',
                'ObjectObservation', 'ObjectObservationArray', 'SnapshotDescriptor', 'SnapshotObject',
                'SnapshotKeyframe', 'MapObject', 'GlobalMap'}
    assert required <= set(MESSAGES)
    assert 'AskSpatial' in interface_names('srv')


@pytest.mark.parametrize('name', MESSAGES + interface_names('srv'))
def test_every_field_is_documented_with_a_comment(name):
    kind = 'msg' if name in MESSAGES else 'srv'
    for number, line in enumerate((REPO / kind / f'{name}.{kind}').read_text().splitlines(), 1):
        code = line.split('#', 1)[0].strip()
        if code and code != '---' and '=' not in code and code.split()[0] != 'std_msgs/Header':
            assert '#' in line, f'{name}.{kind}:{number}: field without a units/frame comment: {line!r}'


@pytest.fixture(scope='module')
def echo_peer():
    peer = start_peer('interface_echo_peer.py')
    try:
        wait_for_line(peer, 'PEER READY')
        yield peer
    finally:
        peer.send_signal(signal.SIGINT)
        stop_peer(peer)


@pytest.fixture
def node_and_executor(ros_context):
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node

    node = Node('interface_roundtrip_test', context=ros_context)
    executor = SingleThreadedExecutor(context=ros_context)
    executor.add_node(node)
    yield node, executor
    executor.shutdown()
    node.destroy_node()


@pytest.mark.parametrize('name', MESSAGES)
def test_message_round_trip_between_processes(echo_peer, node_and_executor, name):
    from rclpy.qos import QoSProfile, ReliabilityPolicy

    node, executor = node_and_executor
    cls = message_class(f'savvy_ros/{name}')
    qos = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
    received = []
    node.create_subscription(cls, f'/roundtrip/out/{name}', received.append, qos)
    publisher = node.create_publisher(cls, f'/roundtrip/in/{name}', qos)
    assert spin_until(executor, lambda: publisher.get_subscription_count() > 0
                      and node.count_publishers(f'/roundtrip/out/{name}') > 0), 'peer not discovered'
    sent = [fill(cls(), np.random.default_rng([7, i, len(name)])) for i in range(3)]
    # Discovery of the peer's reader by our writer and of its writer by our reader can finish at
    # different moments: resend until the first echo arrives; then, reliable and in order, the
    # last three echoes must be the three messages sent.
    assert spin_until(executor, lambda: (publisher.publish(sent[0]), bool(received))[1], timeout=20)
    for msg in sent:
        publisher.publish(msg)
    assert spin_until(executor, lambda: received[-1] == sent[-1], timeout=20), f'{name} never came back'
    assert received[-3:] == sent, f'{name} changed on the way through DDS'


def test_ask_spatial_service_call_between_processes(echo_peer, node_and_executor):
    from builtin_interfaces.msg import Time

    from savvy_ros.srv import AskSpatial

    node, executor = node_and_executor
    client = node.create_client(AskSpatial, '/roundtrip/ask')
    assert spin_until(executor, client.service_is_ready), 'AskSpatial server not discovered'
    request = AskSpatial.Request(question='Where is the kettle relative to me?',
                                 options=['A: left', 'B: right', 'C: back'], use_window=True,
                                 window_start=Time(sec=12, nanosec=5), window_end=Time(sec=14, nanosec=7),
                                 task='spatial_temporal_audio_direction_ego', target='kettle',
                                 reference='sofa', facing='window', best_guess=True)
    future = client.call_async(request)
    assert spin_until(executor, future.done)
    response = future.result()
    assert response.success and response.error == ''
    assert response.answer == 'A'
    assert response.answer_text == request.question.upper()
    assert response.value == pytest.approx(len(request.question) + 0.5)
    assert response.value_unit == 'deg' and response.confidence == pytest.approx(0.25)
    assert response.explanation == 'kettle|sofa|window|spatial_temporal_audio_direction_ego'
    assert response.evidence_ids == ['object/0', 'object/1', 'object/2']
    assert (response.window_start, response.window_end) == (request.window_start, request.window_end)
