"""Play a bag into the ROS graph in this process (used by `savvy-ros play` and the evaluator)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from rclpy.context import Context

from savvy_ros.bags import BagReader
from savvy_ros.replay.player import BagPlayer, PlayOptions, PlayOptionsError, PlayStats
from savvy_ros.replay.ros_playback import FlowStats, RosPlayback
from savvy_ros.ros.executors import PLAYER_EXECUTOR


@dataclass
class PlayResult:
    stats: PlayStats
    flow: FlowStats
    skipped: dict[str, str] = field(default_factory=dict)        # topic -> why it was not replayed
    unmatched: dict[str, set[str]] = field(default_factory=dict)  # consumers never matched at the start
    consumers: dict[str, set[str]] = field(default_factory=dict)  # topic -> acknowledging nodes
    interrupted: bool = False     # the context was shut down (Ctrl-C, SIGTERM) before the bag's end


def play_bag(path: str | Path, options: PlayOptions, *, discovery_s: float = 1.0, ack_timeout_s: float = 5.0,
             clock: bool = True, wait_for: tuple[str, ...] = (), context: Context | None = None,
             executor: str = PLAYER_EXECUTOR) -> PlayResult:
    """Replay `path`; rclpy must be initialised (in `context`, or the default one). `executor`: the
    kind spinning the player's acknowledgements (savvy_ros.ros.executors).

    `wait_for`: consumer nodes (fully qualified names) that must have joined before playing.
    """
    with BagReader(path) as reader:
        topics = reader.topics()
        if options.topics is not None:
            unknown = sorted(set(options.topics) - set(topics))
            if unknown:
                raise PlayOptionsError(f'bag {path} has no topic(s) {unknown}')
            topics = {t: s for t, s in topics.items() if t in options.topics}
        playback = RosPlayback(topics, ack_timeout_s=ack_timeout_s, clock=clock, context=context,
                               in_flight=options.in_flight, executor=executor)
        try:
            time.sleep(discovery_s)  # let DDS discovery match the graph's subscriptions first
            unmatched = (playback.wait_for_consumers(ack_timeout_s, set(wait_for))
                         if options.flow_control else {})
            player = BagPlayer(reader, options, playback, latched={t for t, s in topics.items() if s.latched})
            stats = player.play()
            interrupted = not playback.ok()
        finally:
            playback.stop()
            playback.destroy_node()
    consumers = {topic: nodes for topic, nodes in playback.tracker.declared.items() if nodes}
    return PlayResult(stats, playback.flow, playback.skipped, unmatched, consumers, interrupted)
