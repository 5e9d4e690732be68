"""Pipeline monitor: rates, capture-stamp lag, frame ids and TF health as /diagnostics."""
from __future__ import annotations

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
from rclpy.node import Node
from rclpy.qos import qos_profile_sensor_data

from savvy_ros.monitoring import TopicHealth, TopicReport
from savvy_ros.ros.diagnostics import diagnostic_status
from savvy_ros.ros.message_types import UnknownMessageTypeError, message_class
from savvy_ros.ros.node_main import run_node
from savvy_ros.ros.parameters import ParameterSpec, declare_parameters
from savvy_ros.ros.tf_listener import create_transform_lookup
from savvy_ros.ros.time_conversion import clock_seconds, stamp_to_seconds
from savvy_ros.tf import TransformError

PARAMETERS = [
    ParameterSpec('watched_topics', ['/camera/image_raw', '/mic_array/audio'],
                  'Topics whose rate, capture-stamp lag and frame ids are checked (type found on the graph)'),
    ParameterSpec('expected_rates', [0.0, 0.0],
                  'Expected rate [Hz] per watched topic, same order; 0 = do not check the rate'),
    ParameterSpec('max_stamp_lag', 0.5, 'Warn when arrival time minus header stamp exceeds this [s]'),
    ParameterSpec('stale_after', 3.0, 'A topic silent for this long is reported STALE [s]'),
    ParameterSpec('publish_period', 1.0, 'Period of the /diagnostics report [s]'),
    ParameterSpec('world_frame', 'map', 'World frame of the map (REP 105)'),
    ParameterSpec('body_frame', 'head', 'Body frame of the wearer or robot (base_link / head)'),
    ParameterSpec('tf_backend', 'auto', "TF implementation: 'auto' (tf2_ros when importable), 'tf2_ros', 'savvy_ros'"),
    ParameterSpec('tf_cache_time', 10.0, 'How much TF history to keep [s]'),
]


def report_to_status(report: TopicReport, node_name: str) -> DiagnosticStatus:
    return diagnostic_status(f'{node_name}: {report.topic}', int(report.level), report.message, report.values)


class PipelineMonitorNode(Node):
    def __init__(self, **kwargs) -> None:
        super().__init__(kwargs.pop('node_name', 'savvy_monitor'), **kwargs)
        self.params = declare_parameters(self, PARAMETERS)
        topics = list(self.params['watched_topics'])
        rates = list(self.params['expected_rates'])
        if len(rates) != len(topics):
            raise ValueError(f'expected_rates has {len(rates)} entries but watched_topics has {len(topics)}')
        self.health = {topic: TopicHealth(topic, rate, self.params['max_stamp_lag'], self.params['stale_after'])
                       for topic, rate in zip(topics, rates)}
        self._watch_subscriptions: dict[str, object] = {}
        self._last_now = 0.0
        self.tf = create_transform_lookup(self, self.params['tf_cache_time'], self.params['tf_backend'])
        self.diagnostics_pub = self.create_publisher(DiagnosticArray, '/diagnostics', 10)
        self.create_timer(self.params['publish_period'], self._publish_report)
        self.get_logger().info(f'watching {len(topics)} topic(s); TF backend: {self.tf.backend}')

    def _now(self) -> float:
        return clock_seconds(self)

    def _subscribe_new_topics(self) -> None:
        types = dict(self.get_topic_names_and_types())
        for topic in self.health:
            if topic in self._watch_subscriptions or topic not in types:
                continue
            try:
                msg_type = message_class(types[topic][0])
            except UnknownMessageTypeError as exc:
                self.get_logger().warning(f'cannot watch {topic}: {exc}', throttle_duration_sec=30.0)
                continue
            self._watch_subscriptions[topic] = self.create_subscription(
                msg_type, topic, lambda msg, t=topic: self._on_message(t, msg), qos_profile_sensor_data)

    def _on_message(self, topic: str, msg) -> None:
        header = getattr(msg, 'header', None)
        stamp = stamp_to_seconds(header.stamp) if header is not None else None
        self.health[topic].add(self._now(), stamp, header.frame_id if header is not None else None)

    def _tf_status(self) -> DiagnosticStatus:
        world, body = self.params['world_frame'], self.params['body_frame']
        status = DiagnosticStatus(name=f'{self.get_name()}: tf {world} -> {body}', hardware_id='savvy_ros')
        try:
            transform = self.tf.lookup_transform(world, body, None)
        except TransformError as exc:
            status.level, status.message = DiagnosticStatus.WARN, str(exc)
            return status
        x, y, z = transform.translation
        status.level = DiagnosticStatus.OK
        status.message = f'body at ({x:.2f}, {y:.2f}, {z:.2f}) m, facing {transform.yaw():.2f} rad'
        return status

    def _publish_report(self) -> None:
        now = self._now()
        if now < self._last_now - 1.0:  # replay looped: old rates and lags no longer apply
            for health in self.health.values():
                health.reset()
        self._last_now = now
        self._subscribe_new_topics()
        msg = DiagnosticArray()
        msg.header.stamp = self.get_clock().now().to_msg()
        msg.status = [report_to_status(h.report(now), self.get_name()) for h in self.health.values()]
        msg.status.append(self._tf_status())
        self.diagnostics_pub.publish(msg)


NODE_CLASS = PipelineMonitorNode


def main(args: list[str] | None = None) -> int:
    return run_node(PipelineMonitorNode, args)


if __name__ == '__main__':
    raise SystemExit(main())
