"""Launch the savvy_ros node set on a live rig (full ROS 2 install: `ros2 launch savvy_ros savvy.launch.py`).

Same executables and parameter file as `savvy-ros bringup`; test/bringup/test_launch_agreement.py
keeps the two in step. `overlay_params_file` is read after `params_file` (by default the same file):
replay.launch.py gives config/replay.yaml there.
"""
import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node


def generate_launch_description():
    default_params = os.path.join(get_package_share_directory('savvy_ros'), 'config', 'savvy.yaml')
    params_file = LaunchConfiguration('params_file')
    overlay_params_file = LaunchConfiguration('overlay_params_file')
    use_sim_time = LaunchConfiguration('use_sim_time')
    return LaunchDescription([
        DeclareLaunchArgument('params_file', default_value=default_params,
                              description='Parameter YAML for every savvy_ros node'),
        DeclareLaunchArgument('overlay_params_file', default_value=params_file,
                              description='Parameter YAML read after params_file (its values win)'),
        DeclareLaunchArgument('use_sim_time', default_value='false',
                              description='Use /clock (true when replaying a bag)'),
        Node(package='savvy_ros', executable='monitor_node', name='savvy_monitor', output='screen',
             parameters=[params_file, overlay_params_file, {'use_sim_time': use_sim_time}]),
        Node(package='savvy_ros', executable='hearing_node', name='savvy_hearing', output='screen',
             parameters=[params_file, overlay_params_file, {'use_sim_time': use_sim_time}]),
        Node(package='savvy_ros', executable='vision_node', name='savvy_vision', output='screen',
             parameters=[params_file, overlay_params_file, {'use_sim_time': use_sim_time}]),
        Node(package='savvy_ros', executable='camera_node', name='savvy_camera', output='screen',
             parameters=[params_file, overlay_params_file, {'use_sim_time': use_sim_time}]),
        Node(package='savvy_ros', executable='map_node', name='savvy_map', output='screen',
             parameters=[params_file, overlay_params_file, {'use_sim_time': use_sim_time}]),
        Node(package='savvy_ros', executable='qa_node', name='savvy_qa', output='screen',
             parameters=[params_file, overlay_params_file, {'use_sim_time': use_sim_time}]),
        Node(package='savvy_ros', executable='audio_capture_node', name='savvy_audio_capture', output='screen',
             parameters=[params_file, overlay_params_file, {'use_sim_time': use_sim_time}]),
        Node(package='savvy_ros', executable='doa_node', name='savvy_doa', output='screen',
             parameters=[params_file, overlay_params_file, {'use_sim_time': use_sim_time}]),
        Node(package='savvy_ros', executable='snapshot_node', name='savvy_snapshot', output='screen',
             parameters=[params_file, overlay_params_file, {'use_sim_time': use_sim_time}]),
    ])
