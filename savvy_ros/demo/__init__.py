"""A small simulated rig for `make demo` and the integration tests: a walking, looking-around
head with a camera and a 7-microphone array, published over DDS with capture-time stamps."""
