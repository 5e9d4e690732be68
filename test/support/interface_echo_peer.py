"""DDS peer process: echoes every savvy_ros message type and serves AskSpatial.

For each type T it subscribes to /roundtrip/in/T and republishes what it received on
/roundtrip/out/T, so a message crosses the wire (serialised and deserialised) in both directions.
The AskSpatial server answers deterministically from the request so the caller can check every
field of both halves.
"""
from __future__ import annotations

import rclpy
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy

from message_samples import interface_names, message_class
from savvy_ros.ros.node_main import spin_until_shutdown

QOS = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.VOLATILE)


def answer(request, response):
    response.success = bool(request.options)
    response.error = '' if request.options else 'no options given'
    response.answer = request.options[0][:1] if request.options else ''
    response.answer_text = request.question.upper()
    response.value = float(len(request.question)) + (0.5 if request.best_guess else 0.0)
    response.value_unit = 'deg'
    response.confidence = 0.25
    response.explanation = f'{request.target}|{request.reference}|{request.facing}|{request.task}'
    response.evidence_ids = [f'object/{i}' for i in range(len(request.options))]
    response.window_start = request.window_start
    response.window_end = request.window_end
    return response


def main() -> None:
    from savvy_ros.srv import AskSpatial

    rclpy.init()
    node = Node('interface_echo_peer')
    keep = []
    for name in interface_names('msg'):
        cls = message_class(f'savvy_ros/{name}')
        publisher = node.create_publisher(cls, f'/roundtrip/out/{name}', QOS)
        keep.append(node.create_subscription(cls, f'/roundtrip/in/{name}',
                                             lambda msg, pub=publisher: pub.publish(msg), QOS))
    node.create_service(AskSpatial, '/roundtrip/ask', answer)
    print('PEER READY', flush=True)
    spin_until_shutdown(node)


if __name__ == '__main__':
    main()
