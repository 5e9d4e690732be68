"""Replay: the savvy_ros node set on /clock (`ros2 launch savvy_ros replay.launch.py`), next to
`ros2 bag play --clock BAG` or `savvy-ros play BAG`."""
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
        IncludeLaunchDescription(
            PythonLaunchDescriptionSource(os.path.join(share, 'launch', 'savvy.launch.py')),
            launch_arguments={'use_sim_time': 'true',
                              'params_file': LaunchConfiguration('params_file')}.items()),
    ])
