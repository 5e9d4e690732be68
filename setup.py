"""Python packaging of savvy_ros for `pip install` (development and wheel installs).

In a colcon workspace the package is built by CMakeLists.txt (ament_cmake) instead; both read
the node executables from config/executables.txt.
"""
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).resolve().parent


def node_entry_points() -> list[str]:
    lines = (HERE / 'config' / 'executables.txt').read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith('#')]


setup(
    name='savvy_ros',
    version='0.1.0',
    description='Spatial awareness from seeing and hearing (SAVVY) for ROS 2',
    license='Apache-2.0',
    python_requires='>=3.11',
    packages=find_packages(include=['savvy_ros', 'savvy_ros.*']),
    package_data={'savvy_ros': ['py.typed']},
    entry_points={
        'console_scripts': ['savvy-ros = savvy_ros.cli.main:main', *node_entry_points()],
    },
)
