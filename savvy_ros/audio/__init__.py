"""Stage 1 audio, free of rclpy: microphone-array geometry, capture chunking and stamping,
direction of arrival (SRP-PHAT / MUSIC / NormMUSIC), activity gating and CDR range."""
