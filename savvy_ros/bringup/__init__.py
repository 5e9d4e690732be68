"""Run the node set in one process (like a component container), from the launch file's YAML."""
