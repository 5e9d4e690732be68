"""Health of the pipeline's inputs and outputs: rates, capture-stamp lag, ordering, frames."""
from savvy_ros.monitoring.topic_health import HealthLevel, TopicHealth, TopicReport

__all__ = ['HealthLevel', 'TopicHealth', 'TopicReport']
