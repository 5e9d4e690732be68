"""The map node in-process: its parameters reach the model, a corrupt store stops it with one clear error."""
from __future__ import annotations

import pytest


def make_node(ros_context, **overrides):
    from rclpy.parameter import Parameter

    from savvy_ros.nodes.map_node import MapNode

    params = [Parameter(name, value=value) for name, value in overrides.items()]
    return MapNode(context=ros_context, parameter_overrides=params)


def test_parameters_reach_the_model(ros_context, tmp_path):
    node = make_node(ros_context, association_gate=0.7, max_objects=50, store_path=str(tmp_path / 'map.db'))
    try:
        assert node.model.config.association_gate == 0.7 and node.model.config.max_objects == 50
        assert node.store is not None and node.model.frame_id == 'map' and node.model.body_frame == 'head'
    finally:
        node.destroy_node()
    assert (tmp_path / 'map.db').exists()  # saved on shutdown


def test_a_corrupt_store_is_a_configuration_error(ros_context, tmp_path):
    bad = tmp_path / 'map.db'
    bad.write_bytes(b'not a database' * 64)
    with pytest.raises(ValueError, match='store_path: map store .*map.db is not a usable SQLite database'):
        make_node(ros_context, store_path=str(bad))
    assert bad.read_bytes() == b'not a database' * 64  # left as it was


def test_input_reliability_sets_the_objects_and_bearings_qos(ros_context):
    from rclpy.qos import ReliabilityPolicy

    def reliability(node) -> dict[str, ReliabilityPolicy]:
        return {s.topic_name: s.qos_profile.reliability for s in node.subscriptions
                if s.topic_name in ('/savvy/objects', '/savvy/bearings')}

    for value, policy in (('best_effort', ReliabilityPolicy.BEST_EFFORT), ('reliable', ReliabilityPolicy.RELIABLE)):
        node = make_node(ros_context, input_reliability=value)
        try:
            assert reliability(node) == {'/savvy/objects': policy, '/savvy/bearings': policy}
        finally:
            node.destroy_node()
    with pytest.raises(ValueError, match="input_reliability must be one of best_effort, reliable, got 'sometimes'"):
        make_node(ros_context, input_reliability='sometimes')


def test_a_zero_period_is_refused(ros_context):
    with pytest.raises(ValueError, match='save_period must be > 0'):
        make_node(ros_context, save_period=0.0)
