"""Thin helpers shared by the rclpy nodes: time and message conversion, parameters, QoS.

Everything that touches rclpy or generated message classes lives in this folder and in
`savvy_ros.nodes`; the algorithms stay in plain modules.
"""
