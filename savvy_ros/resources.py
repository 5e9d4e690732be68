"""Find the package's shared files (config/, launch/, rviz/) in a checkout or an install, and its cache."""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE = 'savvy_ros'


def share_dir() -> Path:
    """share/savvy_ros of an ament install, else the source checkout holding this package."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / 'config' / 'savvy.yaml').is_file():
        return checkout
    try:
        from ament_index_python.packages import PackageNotFoundError, get_package_share_directory
        return Path(get_package_share_directory(PACKAGE))
    except (ImportError, LookupError, PackageNotFoundError):  # type: ignore[misc]
        pass
    raise FileNotFoundError(f'cannot find the {PACKAGE} share directory (config/savvy.yaml): '
                            'neither a source checkout nor an ament install of savvy_ros is on this path')


def config_file(name: str = 'savvy.yaml') -> Path:
    return share_dir() / 'config' / name


def cache_dir() -> Path:
    """Where models derived from the shipped ones are kept between runs (unpacked YAMNet, the SSD
    backbone as OpenVINO IR): $XDG_CACHE_HOME/savvy_ros, else ~/.cache/savvy_ros."""
    base = os.environ.get('XDG_CACHE_HOME') or Path.home() / '.cache'
    return Path(base) / PACKAGE
