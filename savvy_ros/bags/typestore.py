"""The rosbags type store: ROS 2 Kilted's standard types plus savvy_ros/msg from the repo's .msg files.

The .msg files in msg/ are the one source of truth for our interfaces: rosidl builds the rclpy
bindings from them and this module builds the rosbags (CDR) definitions from the same text.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rosbags.typesys import Stores, get_types_from_msg, get_typestore
from rosbags.typesys.store import Typestore

from savvy_ros.resources import PACKAGE, share_dir

# Kilted when this rosbags knows it, else the newest ROS 2 store it has.
_STORE_PREFERENCE = ('ROS2_KILTED', 'ROS2_JAZZY', 'ROS2_IRON', 'ROS2_HUMBLE')

# tf2_msgs/TFMessage as defined upstream; registered only when the base store lacks it.
_TF_MESSAGE_MSG = 'geometry_msgs/TransformStamped[] transforms\n'
TF_MESSAGE = 'tf2_msgs/msg/TFMessage'


class InterfaceDefinitionError(RuntimeError):
    """The package's .msg files cannot be found or parsed."""


def msg_dir() -> Path:
    """msg/ of the checkout or of share/savvy_ros in an ament install."""
    directory = share_dir() / 'msg'
    if not directory.is_dir():
        raise InterfaceDefinitionError(f'no msg/ directory beside the savvy_ros share dir: {directory}')
    return directory


def base_store() -> Stores:
    for name in _STORE_PREFERENCE:
        store = getattr(Stores, name, None)
        if store is not None:
            return store
    raise InterfaceDefinitionError('this rosbags version has no ROS 2 type store')


def savvy_type_definitions(directory: Path | None = None) -> dict[str, object]:
    """rosbags type definitions of every savvy_ros/msg/<Name>.msg in `directory`."""
    directory = directory or msg_dir()
    types: dict[str, object] = {}
    files = sorted(directory.glob('*.msg'))
    if not files:
        raise InterfaceDefinitionError(f'no .msg files in {directory}')
    for path in files:
        name = f'{PACKAGE}/msg/{path.stem}'
        try:
            types.update(get_types_from_msg(path.read_text('utf8'), name))
        except Exception as exc:  # rosbags raises its own parser errors; name the file at fault
            raise InterfaceDefinitionError(f'cannot parse {path}: {exc}') from exc
    return types


@lru_cache(maxsize=1)
def savvy_typestore() -> Typestore:
    """The shared type store (cached: building it parses every .msg file)."""
    store = get_typestore(base_store())
    if TF_MESSAGE not in store.types:
        store.register(get_types_from_msg(_TF_MESSAGE_MSG, TF_MESSAGE))
    store.register(savvy_type_definitions())
    return store
