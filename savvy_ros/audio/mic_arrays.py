"""Microphone-array geometries: positions in the array frame (REP 103), loaded from YAML.

A geometry file (config/mic_arrays/<name>.yaml) looks like::

    name: aria
    frame_id: mic_array          # the frame of `positions` and of every AudioChunk / bearing
    convention: REP 103          # x forward, y left, z up; metres
    parent_frame: head           # informative: the frame the static transform hangs from
    description: ...
    doa_channels: [3, 4, 5, 6]   # optional: the channel subset suggested for planar DoA
    positions:                   # one [x, y, z] per channel, in channel order [m]
      - [0.0, -0.05, 0.04]

Only REP 103 is accepted: the file must say so, which removes the classic confusion between
optical (x right, y down, z forward) and body axes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from savvy_ros.resources import config_file

CONVENTION = 'REP 103'


class MicArrayError(ValueError):
    """A geometry file or definition is invalid (names the file and the field)."""


class ChannelCountError(ValueError):
    """Audio with a channel count the array geometry does not have."""


@dataclass(frozen=True)
class MicArrayGeometry:
    name: str
    frame_id: str
    positions: np.ndarray  # (N, 3) metres in the array frame, REP 103 (x forward, y left, z up)
    description: str = ''
    doa_channels: tuple[int, ...] = field(default=())  # suggested DoA subset; () = all channels

    def __post_init__(self) -> None:
        positions = np.array(self.positions, dtype=float)
        if positions.ndim != 2 or positions.shape[1] != 3 or positions.shape[0] < 1:
            raise MicArrayError(f'mic array {self.name!r}: positions must be (N, 3), got {positions.shape}')
        if not np.all(np.isfinite(positions)):
            raise MicArrayError(f'mic array {self.name!r}: positions must be finite')
        if not self.frame_id:
            raise MicArrayError(f'mic array {self.name!r}: frame_id is empty')
        for index in self.doa_channels:
            if not 0 <= index < positions.shape[0]:
                raise MicArrayError(f'mic array {self.name!r}: doa_channels index {index} is not a channel '
                                    f'(0..{positions.shape[0] - 1})')
        positions.setflags(write=False)
        object.__setattr__(self, 'positions', positions)
        object.__setattr__(self, 'doa_channels', tuple(int(i) for i in self.doa_channels))

    @property
    def num_channels(self) -> int:
        return int(self.positions.shape[0])

    @property
    def centre(self) -> np.ndarray:
        return self.positions.mean(axis=0)

    @property
    def aperture(self) -> float:
        """Largest distance between two microphones [m]."""
        diffs = self.positions[:, None, :] - self.positions[None, :, :]
        return float(np.sqrt((diffs ** 2).sum(-1)).max())

    def is_planar(self, tolerance: float = 1e-3) -> bool:
        """True when every microphone lies within `tolerance` m of the array's horizontal plane."""
        z = self.positions[:, 2]
        return bool(z.max() - z.min() <= tolerance)

    def subset(self, channels: list[int] | tuple[int, ...]) -> MicArrayGeometry:
        """The geometry of the given channels, in the given order (e.g. Aria mics 3-6)."""
        channels = tuple(int(c) for c in channels)
        bad = [c for c in channels if not 0 <= c < self.num_channels]
        if bad or not channels:
            raise MicArrayError(f'mic array {self.name!r} has channels 0..{self.num_channels - 1}, '
                                f'cannot take subset {list(channels)}')
        return MicArrayGeometry(f'{self.name}[{",".join(map(str, channels))}]', self.frame_id,
                                self.positions[list(channels)], self.description)

    def check_channels(self, channels: int) -> None:
        if channels != self.num_channels:
            raise ChannelCountError(f'mic array {self.name!r} has {self.num_channels} microphones '
                                    f'but the audio has {channels} channels')


def circular_array(n: int, radius: float, *, name: str = '', frame_id: str = 'mic_array',
                   start_angle: float = 0.0, centre_mic: bool = False, z: float = 0.0,
                   description: str = '') -> MicArrayGeometry:
    """`n` mics on a horizontal circle of `radius` m, mic 0 at `start_angle` rad (CCW from +x),
    numbered counter-clockwise; `centre_mic` appends one more at the centre (6+1 arrays)."""
    if n < 1 or not radius > 0.0:
        raise MicArrayError(f'circular array needs n >= 1 and radius > 0, got n={n}, radius={radius}')
    angles = start_angle + 2.0 * math.pi * np.arange(n) / n
    positions = np.stack([radius * np.cos(angles), radius * np.sin(angles), np.full(n, z)], axis=1)
    if centre_mic:
        positions = np.vstack([positions, [0.0, 0.0, z]])
    return MicArrayGeometry(name or f'circular_{n}{"+1" if centre_mic else ""}_{radius:g}m', frame_id, positions,
                            description or f'{n} microphones on a {radius:g} m circle'
                            + (' plus one at the centre' if centre_mic else ''))


def linear_array(n: int, spacing: float, *, name: str = '', frame_id: str = 'mic_array', axis: str = 'y',
                 description: str = '') -> MicArrayGeometry:
    """`n` mics `spacing` m apart along `axis` ('x', 'y' or 'z'), centred on the origin, numbered
    towards +axis. Along y (default) the broadside is forward, as for a bar on a robot's face."""
    if n < 1 or not spacing > 0.0:
        raise MicArrayError(f'linear array needs n >= 1 and spacing > 0, got n={n}, spacing={spacing}')
    if axis not in ('x', 'y', 'z'):
        raise MicArrayError(f"linear array axis must be 'x', 'y' or 'z', not {axis!r}")
    positions = np.zeros((n, 3))
    positions[:, 'xyz'.index(axis)] = (np.arange(n) - (n - 1) / 2.0) * spacing
    return MicArrayGeometry(name or f'linear_{n}_{spacing:g}m', frame_id, positions,
                            description or f'{n} microphones {spacing:g} m apart along {axis}')


def mic_array_path(name_or_path: str) -> Path:
    """A bare name ('aria') -> config/mic_arrays/aria.yaml; anything else is a file path."""
    text = str(name_or_path)
    if text.endswith(('.yaml', '.yml')) or '/' in text or '\\' in text:
        return Path(text).expanduser()
    return config_file(f'mic_arrays/{text}.yaml')


def available_mic_arrays() -> list[str]:
    return sorted(p.stem for p in config_file('mic_arrays').glob('*.yaml'))


def load_mic_array(name_or_path: str) -> MicArrayGeometry:
    path = mic_array_path(name_or_path)
    if not path.is_file():
        known = ', '.join(available_mic_arrays())
        raise FileNotFoundError(f'mic array {name_or_path!r}: no geometry file {path} (known names: {known})')
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise MicArrayError(f'{path}: not valid YAML: {exc}') from exc
    if not isinstance(data, dict):
        raise MicArrayError(f'{path}: expected a mapping with name, frame_id, convention, positions')
    for key in ('frame_id', 'convention', 'positions'):
        if key not in data:
            raise MicArrayError(f'{path}: missing field {key!r}')
    if str(data['convention']).strip() != CONVENTION:
        raise MicArrayError(f'{path}: convention must be {CONVENTION!r} (x forward, y left, z up), '
                            f'got {data["convention"]!r}; convert the positions first')
    try:
        positions = np.array(data['positions'], dtype=float)
    except (TypeError, ValueError) as exc:
        raise MicArrayError(f'{path}: field positions is not a list of [x, y, z] numbers: {exc}') from exc
    try:
        return MicArrayGeometry(str(data.get('name', path.stem)), str(data['frame_id']), positions,
                                str(data.get('description', '')).strip(), tuple(data.get('doa_channels') or ()))
    except MicArrayError as exc:
        raise MicArrayError(f'{path}: {exc}') from exc
