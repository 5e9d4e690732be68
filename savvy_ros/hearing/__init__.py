"""Stage 1 hearing: speech activity (silero VAD), transcripts (Whisper tiny.en) and sound-event
tags (YAMNet, 521 AudioSet classes) as time-stamped events, without rclpy.

    models = load_models()                      # once; explicit, offline, from registry packages
    stream = HearingStream(HearingPipeline(models))
    events = stream.push(stamp, rate, channels, interleaved)   # closed events, capture times
"""
from savvy_ros.hearing.bearings import BearingJoiner, BearingSample, dominant_bearing
from savvy_ros.hearing.errors import AudioFileError, HearingError, ModelFileError, ModelPackageMissingError
from savvy_ros.hearing.events import SOUND, SPEECH, BearingSummary, HearingEvent
from savvy_ros.hearing.files import hear_file
from savvy_ros.hearing.models import HearingModels, ModelPaths, load_models
from savvy_ros.hearing.pipeline import HearingPipeline, PipelineConfig
from savvy_ros.hearing.stream import ChunkRejected, HearingStream, StreamConfig

__all__ = ['AudioFileError', 'BearingJoiner', 'BearingSample', 'BearingSummary', 'ChunkRejected', 'HearingError',
           'HearingEvent', 'HearingModels', 'HearingPipeline', 'HearingStream', 'ModelFileError',
           'ModelPackageMissingError', 'ModelPaths', 'PipelineConfig', 'SOUND', 'SPEECH', 'StreamConfig',
           'dominant_bearing', 'hear_file', 'load_models']
