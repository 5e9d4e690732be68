"""rosbag2 I/O on `rosbags` (MCAP by default, sqlite3 accepted) with the savvy_ros types registered."""
from savvy_ros.bags.bag_reader import BagMessage, BagReadError, BagReader, read_messages
from savvy_ros.bags.bag_writer import BagWriteError, BagWriter
from savvy_ros.bags.typestore import savvy_typestore

__all__ = ['BagMessage', 'BagReadError', 'BagReader', 'BagWriteError', 'BagWriter', 'read_messages',
           'savvy_typestore']
