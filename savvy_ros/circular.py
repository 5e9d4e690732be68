"""Circular statistics of azimuths: the weighted mode of a set of bearings and its spread.

Shared by the hearing (an event's bearing in the array frame) and the map (the same summary over
world-frame rays, which stays right while the wearer turns during the event).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AzimuthMode:
    azimuth: float        # [rad] weighted circular mean of the members, (-pi, pi]
    spread: float         # [rad] circular standard deviation of the members
    members: np.ndarray   # (N,) bool: the samples within the cluster width of the mode


def azimuth_mode(azimuths: np.ndarray, weights: np.ndarray, cluster_width: float) -> AzimuthMode | None:
    """The densest azimuth (a kernel density on the circle evaluated at every sample) and the
    circular mean and spread of the samples within `cluster_width` [rad] of it; None when empty."""
    azimuths = np.asarray(azimuths, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    if azimuths.shape[0] == 0:
        return None
    difference = np.angle(np.exp(1j * (azimuths[:, None] - azimuths[None, :])))
    density = (np.exp(-0.5 * (difference / (cluster_width / 2)) ** 2) * weights[None, :]).sum(axis=1)
    mode = azimuths[int(np.argmax(density))]
    members = np.abs(np.angle(np.exp(1j * (azimuths - mode)))) <= cluster_width
    resultant = np.sum(weights[members] * np.exp(1j * azimuths[members])) / np.sum(weights[members])
    length = min(abs(resultant), 1.0)
    spread = math.sqrt(max(0.0, -2.0 * math.log(length))) if length > 0 else math.pi
    return AzimuthMode(float(np.angle(resultant)), spread, members)
