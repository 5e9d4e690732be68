"""Stage 2: the dynamic global map (SAVVY §"Dynamic Global Map Construction"), free of rclpy.

Egocentric observations already moved into the world frame are associated to objects; static
objects get a robust position (DBSCAN + robust centre), moving ones a smoothed trajectory
(constant-velocity Kalman filter + RTS), sound sources are triangulated from bearing rays,
events are linked to their sources. `MapView` is the read-only query API the QA service uses.
"""
from savvy_ros.mapping.errors import EmptyMapError, MapQueryError, OutsideSpanError, UnknownObjectError
from savvy_ros.mapping.map_view import MapEventView, MapObjectView, MapView

__all__ = ['MapView', 'MapObjectView', 'MapEventView', 'MapQueryError', 'UnknownObjectError',
           'OutsideSpanError', 'EmptyMapError']
