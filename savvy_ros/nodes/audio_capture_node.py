"""Microphone-array capture: PortAudio input (or a WAV/FLAC file) -> AudioChunk on /mic_array/audio.

Each chunk is stamped with the capture time of its first sample (PortAudio's ADC time mapped to
ROS time; the file's sample clock in file mode) and carries the array's frame id. Without an
input device the node says so and, run on its own, exits cleanly; in a bringup it stays idle
and reports the missing device on /diagnostics.
"""
from __future__ import annotations

import queue
import sys
import time

import numpy as np
import rclpy
from diagnostic_msgs.msg import DiagnosticArray
from rclpy.node import Node
from rclpy.qos import QoSProfile, ReliabilityPolicy

from savvy_ros.audio.capture import AudioDeviceUnavailable, CapturedBlock, FileSource, LiveInput
from savvy_ros.audio.mic_arrays import load_mic_array
from savvy_ros.monitoring.stream_stats import ERROR, OK, StreamStats
from savvy_ros.msg import AudioChunk
from savvy_ros.ros.diagnostics import node_status
from savvy_ros.ros.node_main import spin_until_shutdown
from savvy_ros.ros.parameters import ParameterSpec, declare_parameters
from savvy_ros.ros.time_conversion import clock_seconds, seconds_to_stamp

PARAMETERS = [
    ParameterSpec('topic', '/mic_array/audio', 'AudioChunk output'),
    ParameterSpec('mic_array', 'aria', 'Array geometry (name in config/mic_arrays/ or YAML path): frame id and channel check'),
    ParameterSpec('device', 'default',
                  "PortAudio input: 'default', a device index or name; '' = none (a driver or bag publishes)"),
    ParameterSpec('channels', 7, 'Channels captured; must match the array geometry [count]'),
    ParameterSpec('sample_rate', 48000, 'Capture sample rate [Hz]'),
    ParameterSpec('block_size', 4800, 'Samples per channel in one AudioChunk [count]'),
    ParameterSpec('file', '', "WAV/FLAC multichannel recording to publish instead of a device; '' = live"),
    ParameterSpec('file_loop', False, 'Start the file again at its end'),
    ParameterSpec('file_rate', 1.0, 'File playback speed relative to real time (ROS clock) [ratio]'),
    ParameterSpec('file_wait_for_subscribers', 0, 'Start the file once this many subscribers matched [count]'),
    ParameterSpec('diagnostics_period', 1.0, 'Period of the /diagnostics status [s]'),
]


def block_to_msg(block: CapturedBlock, sample_rate: int, frame_id: str) -> AudioChunk:
    msg = AudioChunk(sample_rate=sample_rate, channels=block.samples.shape[1], sequence=block.sequence,
                     overruns=block.overruns)
    msg.header.stamp, msg.header.frame_id = seconds_to_stamp(block.stamp), frame_id
    msg.data = np.ascontiguousarray(block.samples, dtype=np.float32).reshape(-1)
    return msg


class AudioCaptureNode(Node):
    def __init__(self, **kwargs) -> None:
        super().__init__(kwargs.pop('node_name', 'savvy_audio_capture'), **kwargs)
        self.live: LiveInput | None = None  # first: destroy_node() may run if the rest fails
        p = self.params = declare_parameters(self, PARAMETERS)
        self.geometry = load_mic_array(p['mic_array'])
        self.geometry.check_channels(p['channels'])
        self.stats = StreamStats()
        self.unavailable = ''  # why nothing is captured, if so
        self._unavailable_level = OK
        self._blocks: queue.SimpleQueue[CapturedBlock] = queue.SimpleQueue()
        self.chunk_pub = self.create_publisher(AudioChunk, p['topic'], QoSProfile(
            depth=20, reliability=ReliabilityPolicy.RELIABLE))
        self.diagnostics_pub = self.create_publisher(DiagnosticArray, '/diagnostics', 10)
        self.create_timer(p['diagnostics_period'], self._publish_diagnostics)
        if p['file']:
            self._start_file(p)
        elif p['device'].strip():
            self._start_live(p)
        else:
            self.unavailable = "no audio source configured (parameters 'device' and 'file' are empty)"
            self.get_logger().info(self.unavailable)

    def _start_file(self, p: dict) -> None:
        self.source = FileSource(p['file'], p['block_size'], p['channels'])
        self.sample_rate = self.source.sample_rate
        if p['file_rate'] <= 0.0:
            raise ValueError(f"file_rate must be > 0, got {p['file_rate']}")
        self._file_blocks = None  # started (and stamped) by the first timer tick with enough subscribers
        self.create_timer(p['block_size'] / self.sample_rate / p['file_rate'], self._publish_file_block)
        self.get_logger().info(f"publishing {self.source.path} ({self.source.duration:.1f} s, "
                               f"{self.sample_rate} Hz) on {p['topic']} in frame {self.geometry.frame_id!r}")

    def _file_start(self) -> float:
        """Stamp of the file's first sample: the block published now is the one just "captured",
        as from a device (clamped at 0 for a simulated clock that has not started)."""
        return max(0.0, clock_seconds(self) - self.params['block_size'] / self.sample_rate)

    def _publish_file_block(self) -> None:
        if self._file_blocks is None:
            if self.chunk_pub.get_subscription_count() < self.params['file_wait_for_subscribers']:
                return
            self._file_blocks = self.source.blocks(self._file_start())
        block = next(self._file_blocks, None)
        if block is None:
            if not self.params['file_loop']:
                return
            # Looping restarts the sample clock at the current time, so stamps stay increasing.
            self._file_blocks = self.source.blocks(self._file_start(), self.stats.counts['chunks'])
            block = next(self._file_blocks)
        self._publish(block)

    def _start_live(self, p: dict) -> None:
        self.sample_rate = p['sample_rate']
        name = p['device'].strip()
        device = int(name) if name.isdigit() else (None if name == 'default' else name)
        try:
            self.live = LiveInput(device, p['channels'], self.sample_rate, p['block_size'],
                                  sink=self._blocks.put, ros_now=lambda: clock_seconds(self))
        except AudioDeviceUnavailable as exc:
            self.unavailable, self._unavailable_level = str(exc), ERROR
            self.get_logger().error(self.unavailable)
            return
        # PortAudio's callback only queues; publishing happens on the executor.
        self.create_timer(0.5 * p['block_size'] / self.sample_rate, self._drain)
        self.live.start()
        self.get_logger().info(f"capturing {p['channels']} channels at {self.sample_rate} Hz from "
                               f"{'the default device' if device is None else device} on {p['topic']}")

    def _drain(self) -> None:
        while True:
            try:
                self._publish(self._blocks.get_nowait())
            except queue.Empty:
                return

    def _publish(self, block: CapturedBlock) -> None:
        self.chunk_pub.publish(block_to_msg(block, self.sample_rate, self.geometry.frame_id))
        self.stats.count('chunks')
        self.stats.counts['overruns'] = block.overruns

    def _publish_diagnostics(self) -> None:
        level, message, values = self.stats.report(time.monotonic())
        if self.live is not None:
            values['timeline resyncs'] = str(self.live.stamper.clock.resyncs)
        if self.unavailable:
            level, message = self._unavailable_level, self.unavailable
        self.diagnostics_pub.publish(node_status(self, 'capture', level, message, values))

    def destroy_node(self) -> None:
        if self.live is not None:
            self.live.close()
        super().destroy_node()


NODE_CLASS = AudioCaptureNode


def main(args: list[str] | None = None) -> int:
    rclpy.init(args=args if args is not None else sys.argv)
    try:
        node = AudioCaptureNode()
    except (ValueError, FileNotFoundError) as exc:
        print(f'audio_capture_node: configuration error: {exc}', file=sys.stderr)
        rclpy.try_shutdown()
        return 2
    if node.unavailable:  # already logged: nothing to capture, so leave without a traceback
        node.destroy_node()
        rclpy.try_shutdown()
        return 0
    spin_until_shutdown(node)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
