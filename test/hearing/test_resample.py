import numpy as np
import pytest
from scipy.signal import resample_poly

from savvy_ros.hearing.resample import StreamingResampler, mono_mix


@pytest.mark.parametrize('rate', [48000, 44100, 22050, 16000, 8000])
def test_chunked_resampling_equals_resample_poly_on_the_whole_signal(rate):
    rng = np.random.default_rng(rate)
    x = rng.standard_normal(rate).astype(np.float32)
    resampler = StreamingResampler(rate, 16000)
    pieces, i = [], 0
    while i < x.size:
        n = int(rng.integers(1, 3000))
        pieces.append(resampler.process(x[i:i + n]))
        i += n
    pieces.append(resampler.flush())
    y = np.concatenate(pieces)
    reference = resample_poly(x.astype(np.float64), 16000, rate)
    assert y.size == reference.size
    np.testing.assert_allclose(y, reference, atol=1e-5)
    # Chunk boundaries leave no trace, to the bit: replays stay identical however the audio was chunked.
    whole = StreamingResampler(rate, 16000)
    np.testing.assert_array_equal(y, np.concatenate([whole.process(x), whole.flush()]))


def test_resampling_keeps_timing_of_a_tone():
    rate = 48000
    t = np.arange(rate) / rate
    y = StreamingResampler(rate).process(np.sin(2 * np.pi * 440 * t).astype(np.float32))
    expected = np.sin(2 * np.pi * 440 * np.arange(y.size) / 16000)
    np.testing.assert_allclose(y[100:-100], expected[100:-100], atol=2e-3)


def test_bad_rates_are_rejected():
    with pytest.raises(ValueError):
        StreamingResampler(0, 16000)


def test_mono_mix_reference_channel_and_average():
    interleaved = np.array([1, 3, 2, 4, 3, 5], dtype=np.float32)
    np.testing.assert_array_equal(mono_mix(interleaved, 2, 1), [3, 4, 5])
    np.testing.assert_array_equal(mono_mix(interleaved, 2, -1), [2, 3, 4])
