"""Replay: the savvy_ros node set on /clock with the evaluator's replay settings
(`ros2 launch savvy_ros replay.launch.py`), next to `savvy-ros play --fast BAG` (waits for the
nodes) or `ros2 bag play --clock BAG` (does not: play it no faster than they keep up).

config/replay.yaml is read after the parameter file: the EventsExecutor for the stream nodes, the
map's reorder_delay and reliable inputs (savvy_ros/replay/replay_params.py says why)."""
import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration


def generate_launch_description():
    share = get_package_share_directory('savvy_ros')
    return LaunchDescription([
        DeclareLaunchArgument('params_file', default_value=os.path.join(share, 'config', 'savvy.yaml'),
                              description='Parameter YAML for every savvy_ros node'),
        DeclareLaunchArgument('replay_params_file', default_value=os.path.join(share, 'config', 'replay.yaml'),
                              description='Replay settings read after params_file'),
        IncludeLaunchDescription(
            PythonLaunchDescriptionSource(os.path.join(share, 'launch', 'savvy.launch.py')),
            launch_arguments={'use_sim_time': 'true',
                              'params_file': LaunchConfiguration('params_file'),
                              'overlay_params_file': LaunchConfiguration('replay_params_file')}.items()),
    ])
