"""DDS peer: publishes a WAV file as AudioChunks (2 channels, 0.1 s, stamped from T0) and bearings.

Usage: audio_peer.py WAV T0 SPEECH_START SPEECH_END SOUND_START SOUND_END
Bearings (0.25 s windows, stamped at their centre): +0.6 rad during the speech, -1.2 rad during
the sound, inactive otherwise. One malformed chunk (odd sample count for 2 channels) and one NaN
bearing are sent too.
"""
from __future__ import annotations

import sys
import time

import numpy as np
import rclpy
import soundfile as sf
from rclpy.node import Node

from savvy_ros.msg import AudioBearing, AudioBearingArray, AudioChunk
from savvy_ros.ros.node_main import spin_until_shutdown
from savvy_ros.ros.time_conversion import seconds_to_duration, seconds_to_stamp

CHUNK, CHANNELS, WINDOW = 0.1, 2, 0.25


def bearing_msg(t: float, azimuth: float | None) -> AudioBearingArray:
    msg = AudioBearingArray(algorithm='srp_phat', active=azimuth is not None, window=seconds_to_duration(WINDOW))
    msg.header.stamp, msg.header.frame_id = seconds_to_stamp(t), 'mic_array'
    if azimuth is not None:
        msg.bearings = [AudioBearing(azimuth=azimuth, confidence=0.8, power=1.0)]
    return msg


def main() -> None:
    wav, t0, speech_start, speech_end, sound_start, sound_end = sys.argv[1], *map(float, sys.argv[2:7])
    clip, rate = sf.read(wav, dtype='float32')
    rclpy.init()
    node = Node('hearing_audio_peer')
    audio_pub = node.create_publisher(AudioChunk, '/mic_array/audio', 50)
    bearing_pub = node.create_publisher(AudioBearingArray, '/savvy/bearings', 50)
    deadline = time.monotonic() + 30
    while (audio_pub.get_subscription_count() == 0 or bearing_pub.get_subscription_count() == 0) \
            and time.monotonic() < deadline:
        rclpy.spin_once(node, timeout_sec=0.05)
    print('PEER MATCHED', flush=True)
    step = int(CHUNK * rate)
    next_bearing = WINDOW / 2
    for k, i in enumerate(range(0, clip.size, step)):
        block = clip[i:i + step]
        data = np.stack([block, 0.5 * block], axis=1).reshape(-1)
        msg = AudioChunk(sample_rate=rate, channels=CHANNELS, sequence=k, data=data.tolist())
        msg.header.stamp, msg.header.frame_id = seconds_to_stamp(t0 + i / rate), 'mic_array'
        audio_pub.publish(msg)
        if k == 20:  # malformed: the node must count and drop these, and go on
            audio_pub.publish(AudioChunk(header=msg.header, sample_rate=rate, channels=CHANNELS, data=[0.0] * 3))
            bearing_pub.publish(bearing_msg(t0 + i / rate, float('nan')))
        while next_bearing + WINDOW / 2 <= (i + step) / rate:
            t = next_bearing
            azimuth = 0.6 if speech_start <= t <= speech_end else -1.2 if sound_start <= t <= sound_end else None
            bearing_pub.publish(bearing_msg(t0 + t, azimuth))
            next_bearing += WINDOW
        time.sleep(0.02)  # 5x real time
    print('PEER DONE', flush=True)
    spin_until_shutdown(node)


if __name__ == '__main__':
    main()
