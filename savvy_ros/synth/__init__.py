"""Synthetic SAVVY episodes with ground truth (free of rclpy).

scene (YAML schema) -> motion (wearer head, object paths) -> speech / sounds (dry) ->
acoustics (ShoeBox, moving array and sources) + diffuse_noise -> renderer / frames (camera) ->
episode (bag via savvy_ros.bags, questions, ground_truth). CLI: `savvy-ros synth`.
"""
