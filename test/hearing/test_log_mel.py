import numpy as np

from savvy_ros.hearing.log_mel import (LOG_OFFSET, PATCH_SAMPLES, PatchStream, hertz_to_mel, log_mel_frames,
                                       mel_weight_matrix)


def test_mel_matrix_covers_125_to_7500_hz_only():
    weights = mel_weight_matrix()
    assert weights.shape == (257, 64)
    freqs = np.linspace(0, 8000, 257)
    used = freqs[weights.sum(axis=1) > 0]
    assert used.min() > 125 and used.max() < 7500
    # band centres are evenly spaced in HTK mel
    centres = freqs[np.argmax(weights, axis=0)]
    assert np.all(np.diff(hertz_to_mel(centres)) > 0)


def test_log_mel_of_a_tone_peaks_in_its_band_and_silence_is_the_log_offset():
    t = np.arange(16000) / 16000
    frames = log_mel_frames(np.sin(2 * np.pi * 1000 * t))
    assert frames.shape == (1 + (16000 - 400) // 160, 64)
    peak_band = int(np.argmax(frames.mean(axis=0)))
    edges = np.linspace(hertz_to_mel(125), hertz_to_mel(7500), 66)
    assert edges[peak_band] <= hertz_to_mel(1000) <= edges[peak_band + 2]
    np.testing.assert_allclose(log_mel_frames(np.zeros(1000)), np.log(LOG_OFFSET))


def test_patches_are_the_same_however_the_stream_is_chunked():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(16000 * 3)
    whole = PatchStream()
    a = whole.push(x) + whole.flush()
    chunked, b, i = PatchStream(), [], 0
    while i < x.size:
        n = int(rng.integers(100, 5000))
        b += chunked.push(x[i:i + n])
        i += n
    b += chunked.flush()
    assert [p.index for p in a] == [p.index for p in b] == list(range(len(a)))
    for p, q in zip(a, b):
        np.testing.assert_allclose(p.log_mel, q.log_mel, atol=1e-9)
    # patches every 0.48 s; the last one reaches past the end (zero-padded)
    assert a[1].start_sample == 7680
    assert a[-1].start_sample + PATCH_SAMPLES >= x.size


def test_a_short_stream_still_gives_one_padded_patch():
    stream = PatchStream()
    assert stream.push(np.ones(4000)) == []
    patches = stream.flush()
    assert len(patches) == 1 and patches[0].log_mel.shape == (96, 64)
