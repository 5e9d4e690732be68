"""savvy_ros: spatial awareness from seeing and hearing (SAVVY) for ROS 2."""
# The rosidl bindings (savvy_ros.msg, savvy_ros.srv) are installed by CMake into site-packages,
# while a development checkout keeps the pure-Python modules in the source tree: extending
# __path__ lets both directories form one package.
__path__ = __import__('pkgutil').extend_path(__path__, __name__)

__version__ = '0.1.0'
