"""config/replay.yaml: the parameters the nodes take a recorded bag with, over config/savvy.yaml.

One file for the evaluator (each node process gets them as node-qualified `-p`), for
`ros2 launch savvy_ros replay.launch.py` and `savvy-ros bringup --replay` (a second parameter
file), so that a replay by hand runs as `savvy-ros eval` does. Why each value (measured 2026-11-29):
* `executor: events` for the nodes taking the replayed streams (DoA, hearing, vision, map): rclpy's
  EventsExecutor rebuilds no wait set in Python per message. Whole bench, all modalities, rate 0:
  4.70x real time pooled against 4.19x with every node on the SingleThreadedExecutor, node CPU per
  bag second 0.33 against 0.39, all 316 answers identical. QA stays on the SingleThreadedExecutor
  (`/**` in savvy.yaml): on the EventsExecutor one whole-bench run lost its latched map
  subscription twice (unexplained; see savvy_ros/ros/executors.py), and its per-message load is nil.
  A replay's inputs cannot die silently on either: the player waits for each acknowledgement and
  counts the late ones, and the evaluator checks that the QA service answers from the map it saw.
* the map's `reorder_delay: 2.0` s of data time: a replay as fast as possible runs data time
  several times faster than wall time, and a node's output held back a few hundred ms of wall time
  by a busy machine is then later than the live rig's 0.5 s (an int8 demo replay at 4.4x had one
  objects input 0.8-1.0 s behind the clock in every run, ingested out of order; none with 2 s).
* the map's `input_reliability: reliable`: the player paces only the topics it plays, so a vision
  or DoA output a best-effort reader dropped behind a loaded CPU would change the map unnoticed
  (one of 22 replays of bench episode b02 mapped a person from 40 observations instead of 73, no
  input out of order; with reliable inputs, every replay since as the 21 others).
* the map's `tf_wait: 3.0` s: every node shares two cores with the player, and TF can fall behind
  the other inputs by more than a live rig's 0.5 s; an input dropped for want of TF is a lost answer.
* `niceness: 5` for the DoA, hearing and map nodes (2026-11-30): as fast as possible the vision node
  paces the replay (the player's waits were all on it) while the others may run up to the player's
  look-ahead behind; with both cores busy the scheduler shared them evenly. Demo, all modalities,
  rate 0, interleaved on 2 cores: 11 replays with it 4.67-5.71x (median 5.27x) against 11 without
  4.67-5.43x (median 4.93x), every answer identical.
* the vision node's `input_reliability: reliable`: the player publishes reliably, and a reliable
  camera subscription never loses a large frame (nor with it the frame's acknowledgement, which
  would stall the player for its timeout).
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml

from savvy_ros.resources import config_file

REPLAY_PARAMS = 'replay.yaml'


class ReplayParamsError(ValueError):
    """config/replay.yaml is missing or not a ROS 2 parameter file."""


def replay_params_file() -> Path:
    """config/replay.yaml of the checkout or the ament install."""
    return config_file(REPLAY_PARAMS)


def ros_arg_value(value: object) -> str:
    """A YAML value as `-p name:=value` writes it (booleans in lower case, as ROS reads them)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def node_param_args(settings: Iterable[tuple[str, str, str]]) -> list[str]:
    """`-p node:name:=value` per (node, name, value): node-qualified, as a bare -p loses to the node's own
    section of a parameter file."""
    return [arg for node, key, value in settings for arg in ('-p', f'{node}:{key}:={value}')]


def replay_settings(path: Path | None = None, without: frozenset[str] = frozenset()) -> list[tuple[str, str, str]]:
    """(node, parameter, value) of the replay file in file order, leaving out the parameters in `without`."""
    path = path or replay_params_file()
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ReplayParamsError(f'cannot read the replay parameters {path}: {exc}') from exc
    settings = []
    for node, section in (data or {}).items():
        values = section.get('ros__parameters') if isinstance(section, dict) else None
        if not isinstance(values, dict):
            raise ReplayParamsError(f'{path}: section {node!r} has no ros__parameters mapping')
        settings.extend((node, key, ros_arg_value(value)) for key, value in values.items() if key not in without)
    return settings
