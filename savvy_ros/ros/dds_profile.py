"""Use savvy_ros's Fast DDS profile (config/fastdds_profile.xml: camera-sized shared memory) in
this process, unless the user has configured the middleware.

Fast DDS reads FASTDDS_DEFAULT_PROFILES_FILE once, when the process creates its first
participant, so this runs before rclpy.init (the CLI and every node executable call it).
Child processes inherit it. Set SAVVY_ROS_DDS_PROFILE=off to keep Fast DDS's own defaults.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import MutableMapping
from pathlib import Path

from savvy_ros.resources import config_file

OPT_OUT_ENV = 'SAVVY_ROS_DDS_PROFILE'
PROFILE_ENV = 'FASTDDS_DEFAULT_PROFILES_FILE'
# Any of these means the user chose the middleware's configuration: theirs wins.
USER_SETTINGS = (PROFILE_ENV, 'FASTRTPS_DEFAULT_PROFILES_FILE', 'FASTDDS_BUILTIN_TRANSPORTS',
                 'RMW_FASTRTPS_USE_QOS_FROM_XML')
FAST_DDS_RMWS = ('', 'rmw_fastrtps_cpp', 'rmw_fastrtps_dynamic_cpp')
# Fast DDS allocates a participant's whole segment (16 MiB here, 512 KiB stock) in /dev/shm when
# it starts: a container's default 64 MiB /dev/shm would fill with four nodes. Below this much
# free space the stock transports are kept.
SHM_DIR = Path('/dev/shm')
MIN_SHM_FREE_BYTES = 1 << 30


def use_savvy_dds_profile(environ: MutableMapping[str, str] = os.environ, shm_dir: Path = SHM_DIR) -> str | None:
    """Point Fast DDS at the shipped profile; returns its path, or None when left alone (and why not is
    one of: opted out, another RMW, the user's own Fast DDS settings, less than 1 GiB free in
    /dev/shm, no shipped profile)."""
    if environ.get(OPT_OUT_ENV, '').lower() in ('0', 'off', 'false', 'no'):
        return None
    if environ.get('RMW_IMPLEMENTATION', '') not in FAST_DDS_RMWS:
        return None
    if any(name in environ for name in USER_SETTINGS):
        return None
    try:
        if shutil.disk_usage(shm_dir).free < MIN_SHM_FREE_BYTES:
            return None
    except OSError:   # no /dev/shm (not Linux): Fast DDS's shared memory works its own way there
        pass
    try:
        profile = config_file('fastdds_profile.xml')
    except FileNotFoundError:
        return None
    if not profile.is_file():
        return None
    environ[PROFILE_ENV] = str(profile)
    return str(profile)
