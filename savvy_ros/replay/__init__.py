"""Replaying bags into the node graph: the player core, its flow control and the consumers' side of it."""
