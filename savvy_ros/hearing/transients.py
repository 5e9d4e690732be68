"""How impulsive a sound is: knocks, claps, footsteps and clangs against hums, tones and hiss.

YAMNet names short impacts poorly once a room has reverberated them (a synthetic knock heard as
"Music", footsteps as "Thunder", clapping as "Shuffle"), yet what makes them impacts survives the
room: each one starts abruptly. A reverberant tail smears the decay, not the onset; diffuse noise,
a siren or running water never rises 10 dB within 50 ms. So the statistic is the level rise over
the preceding ONSET_LOOKBACK frames, taken at its RISE_PERCENTILE over the event (an event with
impacts all through it scores high, one click in a long hum does not), on the whole band and on
the band above HIGH_BAND_HZ (impacts are broadband; a hum's onsets are not), mapped to [0, 1].

On the bench's rooms (RT60 0.2-0.7 s, SNR 5-20 dB) knocks, claps, footsteps and barks score
0.5-1, music and television 0.3-0.5, meows and sirens about 0.1, running water and the rooms'
background noise 0. Plain numpy on the tagger's log-mel frames (10 ms hop), no extra transform.
"""
from __future__ import annotations

import numpy as np

from savvy_ros.hearing.log_mel import HIGH_BAND_HZ, LOG_OFFSET, MEL_BANDS, MEL_HIGH_HZ, MEL_LOW_HZ, Patch, hertz_to_mel

ONSET_LOOKBACK = 5          # [frames] 50 ms: a rise within this is an onset, however long the tail
RISE_PERCENTILE = 95.0
HIGH_BAND_ALLOWANCE = 3.0   # [dB] the narrower high band rises more for the same onset (less masking)
NOT_IMPULSIVE_DB = 5.0      # [dB] rise at or below which a sound scores 0
IMPULSIVE_SPAN_DB = 7.0     # [dB] further rise to score 1
MIN_FRAMES = 2 * ONSET_LOOKBACK


def _high_band_mask() -> np.ndarray:
    edges = np.linspace(hertz_to_mel(MEL_LOW_HZ), hertz_to_mel(MEL_HIGH_HZ), MEL_BANDS + 2)
    return edges[1:-1] >= hertz_to_mel(HIGH_BAND_HZ)   # band centres


_HIGH = _high_band_mask()


def band_levels_db(patch: Patch) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame power [dB] of the whole band and of the band above HIGH_BAND_HZ: the patch's own
    (from the spectrum, log_mel.spectral_frames), else approximated from its mel bands (125-7500 Hz)."""
    if patch.band_db is not None:
        return patch.band_db[:, 0], patch.band_db[:, 1]
    power = np.maximum(np.exp(np.asarray(patch.log_mel, dtype=np.float64)) - LOG_OFFSET, 1e-9) ** 2
    return 10.0 * np.log10(power.mean(axis=1)), 10.0 * np.log10(power[:, _HIGH].mean(axis=1))


def onset_rise_db(levels: np.ndarray) -> float:
    """The RISE_PERCENTILE of each frame's rise over the quietest of the ONSET_LOOKBACK before it."""
    levels = np.asarray(levels, dtype=np.float64)
    if levels.size < MIN_FRAMES:
        return 0.0
    padded = np.concatenate([np.full(ONSET_LOOKBACK, levels[0]), levels])
    previous = np.lib.stride_tricks.sliding_window_view(padded[:-1], ONSET_LOOKBACK).min(axis=1)
    return float(np.percentile(levels - previous, RISE_PERCENTILE))


def impulsiveness(full_db: np.ndarray, high_db: np.ndarray) -> float:
    """[0, 1] from the frame levels of one event (band_levels_db); 0 for events under MIN_FRAMES."""
    rise = max(onset_rise_db(full_db), onset_rise_db(high_db) - HIGH_BAND_ALLOWANCE)
    return float(np.clip((rise - NOT_IMPULSIVE_DB) / IMPULSIVE_SPAN_DB, 0.0, 1.0))
