"""rclpy nodes: parameters, QoS, message conversion, one call into the core, publish."""
