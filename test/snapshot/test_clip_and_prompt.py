"""Rolling buffer bounds, clip sampling and audio alignment, and the prompt built from a clip."""
from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile

from savvy_ros.snapshot.clip import ClipError, RollingBuffer
from savvy_ros.snapshot.prompt import SCHEMA, build_prompt


def frame(value: int) -> np.ndarray:
    return np.full((480, 640, 3), value, np.uint8)


def test_buffer_thins_downscales_and_forgets_old_data():
    buffer = RollingBuffer(duration=10.0, frame_rate=2.0, frame_max_side=160)
    kept = [buffer.add_frame(t, frame(int(t * 10) % 250)) for t in np.arange(0.0, 30.0, 0.1)]   # 10 fps in
    assert sum(kept) == 60                                     # thinned to 2 fps
    assert buffer.oldest == pytest.approx(19.9, abs=0.51) and buffer.newest == pytest.approx(29.5)
    assert len(buffer.frames) <= 21                            # only the last 10 s stay
    clip = buffer.clip(max_frames=4)
    assert len(clip.frames) == 4 and clip.frames[0].time_s == 0.0
    assert clip.frame_images()[0].shape == (120, 160, 3)      # longer side 160 px
    with pytest.raises(ClipError, match='not finite'):
        buffer.add_frame(float('nan'), frame(0))


def test_clip_audio_is_cut_on_the_capture_clock_and_resampled():
    buffer = RollingBuffer(duration=60.0)
    rate = 48000
    for k in range(10):                                        # 10 chunks of 0.5 s, a gap after chunk 4
        start = 100.0 + 0.5 * k + (0.5 if k >= 5 else 0.0)
        buffer.add_audio(start, rate, np.full(rate // 2, k / 10.0, np.float32))
    clip = buffer.clip(101.0, 104.0)
    assert clip.audio_rate == 16000 and clip.audio.size == pytest.approx(3 * 16000, abs=2)
    assert clip.audio_offset == pytest.approx(0.0)
    # 101.0..101.5 is chunk 2 (value 0.2); the gap 102.5..103.0 is silence; 103.0.. is chunk 5.
    assert clip.audio[4000] == pytest.approx(0.2, abs=1e-3)
    assert abs(clip.audio[int(1.75 * 16000)]) < 1e-3
    assert clip.audio[int(2.25 * 16000)] == pytest.approx(0.5, abs=1e-3)
    data, wav_rate = soundfile.read(io.BytesIO(clip.audio_wav()), dtype='float32')
    assert wav_rate == 16000 and data.size == clip.audio.size
    with pytest.raises(ClipError, match='empty or not finite'):
        buffer.add_audio(105.0, rate, np.array([np.inf], np.float32))
    buffer.add_audio(50.0, 16000, np.zeros(160, np.float32))   # stamps went back: a new stream
    assert len(buffer.audio) == 1


def test_clip_key_follows_content_and_errors_name_the_problem():
    def filled(value):
        buffer = RollingBuffer()
        buffer.add_frame(1.0, frame(value))
        return buffer.clip(0.0, 2.0)
    assert filled(10).key == filled(10).key != filled(200).key
    with pytest.raises(ClipError, match='buffer is empty'):
        RollingBuffer().clip()
    with pytest.raises(ClipError, match='bad clip window'):
        RollingBuffer().clip(5.0, 1.0)
    text_only = RollingBuffer().clip(5.0)
    assert text_only.duration == 0.0 and not text_only.frames and not text_only.audio.size


def test_prompt_names_the_question_the_frame_times_and_the_schema():
    buffer = RollingBuffer(frame_rate=0.5)
    for t in range(0, 70, 2):
        buffer.add_frame(float(t), frame(t))
    buffer.add_audio(0.0, 16000, np.zeros(16000 * 5, np.float32))
    prompt = build_prompt('Where is the kettle?', buffer.clip(max_frames=3))
    assert 'Question: Where is the kettle?' in prompt.text and SCHEMA in prompt.text
    assert '3 video frame(s) follow, taken at 0:00, 0:34, 1:08.' in prompt.text
    assert 'audio track (5.0 s)' in prompt.text and 'JSON' in prompt.system
    assert 'frame' not in build_prompt('Where is the kettle?', None).text.split('Reply')[0]
