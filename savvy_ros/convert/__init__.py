"""Converters from public recordings and benchmark releases to rosbag2 bags of savvy_ros topics."""
