"""Stage 1, AV-LLM: the SAVVY snapshot descriptor (event window + egocentric key frames per object).

clip (rolling buffer -> clip) -> prompt -> backend (openai | gemini | transformers | replay)
-> parsing (robust, SAVVY degrees -> REP 103) -> descriptor; describer wraps it with a cache,
retries, timeouts and a concurrency limit. No rclpy here: the node is savvy_ros.nodes.snapshot_node.
"""
from savvy_ros.snapshot.descriptor import DescribedObject, Keyframe, Mode, Role, SnapshotDescription
from savvy_ros.snapshot.parsing import SnapshotParseError, parse_descriptor_dict, parse_model_output

__all__ = ['DescribedObject', 'Keyframe', 'Mode', 'Role', 'SnapshotDescription', 'SnapshotParseError',
           'parse_descriptor_dict', 'parse_model_output']
