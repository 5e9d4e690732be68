"""Speech lines synthesised with espeak-ng (a system program; `make setup` installs it from apt)."""
from __future__ import annotations

import io
import shutil
import subprocess

import numpy as np
import soundfile
import soxr

ESPEAK = 'espeak-ng'
WORDS_PER_MINUTE = 155
PEAK = 0.5  # full scale of the dry utterance before room simulation


class SpeechSynthesisError(RuntimeError):
    """espeak-ng is missing or failed on a line (the message names the voice and the text)."""


def espeak_available() -> bool:
    return shutil.which(ESPEAK) is not None


def synthesise(text: str, voice: str, sample_rate: int) -> np.ndarray:
    """Mono float32 utterance of `text` at `sample_rate` Hz, peak-normalised to PEAK."""
    if not espeak_available():
        raise SpeechSynthesisError(f'{ESPEAK} is not installed: install it (apt-get install espeak-ng, '
                                   'or run `make setup`) to synthesise speech lines')
    try:
        result = subprocess.run([ESPEAK, '-v', voice, '-s', str(WORDS_PER_MINUTE), '--stdout', text],
                                capture_output=True, check=True, timeout=60)
        samples, rate = soundfile.read(io.BytesIO(result.stdout), dtype='float32', always_2d=False)
    except subprocess.CalledProcessError as exc:
        raise SpeechSynthesisError(f'{ESPEAK} failed for voice {voice!r} on {text!r}: '
                                   f'{exc.stderr.decode(errors="replace").strip()}') from exc
    except (subprocess.TimeoutExpired, soundfile.LibsndfileError, RuntimeError) as exc:
        raise SpeechSynthesisError(f'{ESPEAK} gave no audio for voice {voice!r} on {text!r}: {exc}') from exc
    if samples.ndim > 1:
        samples = samples.mean(axis=1)
    if samples.size == 0 or not np.any(samples):
        raise SpeechSynthesisError(f'{ESPEAK} produced silence for voice {voice!r} on {text!r}')
    samples = _trim(samples, rate)
    if rate != sample_rate:
        samples = soxr.resample(samples, rate, sample_rate, quality='HQ')
    return (PEAK * samples / np.max(np.abs(samples))).astype(np.float32)


def _trim(samples: np.ndarray, rate: int, threshold: float = 1e-3) -> np.ndarray:
    """Cut leading and trailing silence so that event windows start and end with the voice."""
    loud = np.flatnonzero(np.abs(samples) > threshold * np.max(np.abs(samples)))
    margin = int(0.02 * rate)
    return samples[max(loud[0] - margin, 0):loud[-1] + margin + 1]
