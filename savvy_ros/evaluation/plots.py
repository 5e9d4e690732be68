"""Bird's-eye plot of one episode: room, wearer path, true vs estimated objects, sound rays."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from savvy_ros.mapping.map_view import MapView


def plot_episode(path: Path, gt: dict[str, Any] | None, estimated: MapView | None, title: str) -> Path:
    import matplotlib
    matplotlib.use('Agg')   # files only: no display on robots or CI
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 7), dpi=110)
    if gt is not None:
        size_x, size_y = gt['room']['size'][:2]
        ax.add_patch(plt.Rectangle((0.0, 0.0), size_x, size_y, fill=False, lw=2, color='0.3', label='room'))
        wearer = np.asarray(gt['wearer']['position'], float).reshape(-1, 3)
        ax.plot(wearer[:, 0], wearer[:, 1], '-', color='0.55', lw=1.5, label='wearer (true)')
        ax.plot(*wearer[0, :2], 'o', color='0.55')
        for obj in gt['objects']:
            if obj['static']:
                x, y = obj['position'][:2]
                ax.plot(x, y, 's', color='tab:green', ms=7)
            else:
                track = np.asarray(obj['trajectory']['position'], float).reshape(-1, 3)
                ax.plot(track[:, 0], track[:, 1], '-', color='tab:green', lw=1)
                x, y = track[-1, :2]
            ax.annotate(obj['label'], (x, y), textcoords='offset points', xytext=(4, 4), fontsize=7,
                        color='tab:green')
    if estimated is not None:
        if estimated.body_positions.shape[0]:
            ax.plot(estimated.body_positions[:, 0], estimated.body_positions[:, 1], '--', color='tab:blue', lw=1,
                    label='wearer (map)')
        for obj in estimated.objects:
            colour = 'tab:orange' if obj.is_sound_source else 'tab:red'
            if not obj.is_static and obj.trajectory_positions.shape[0]:
                ax.plot(obj.trajectory_positions[:, 0], obj.trajectory_positions[:, 1], ':', color=colour, lw=1)
            ax.plot(obj.position[0], obj.position[1], 'x', color=colour, ms=7, mew=2)
            ax.annotate(obj.label, obj.position[:2], textcoords='offset points', xytext=(4, -9), fontsize=7,
                        color=colour)
        for event in estimated.events:
            if event.source_position is None or not estimated.body_times.shape[0]:
                continue
            t = min(max(0.5 * (event.start + event.end), estimated.body_times[0]), estimated.body_times[-1])
            origin, _ = estimated.body_pose_at(t)
            ax.plot([origin[0], event.source_position[0]], [origin[1], event.source_position[1]], '-',
                    color='tab:purple', lw=0.7, alpha=0.6)
    ax.plot([], [], 's', color='tab:green', label='object (true)')
    ax.plot([], [], 'x', color='tab:red', mew=2, label='object (map)')
    ax.plot([], [], 'x', color='tab:orange', mew=2, label='sound source (map)')
    ax.plot([], [], '-', color='tab:purple', label='event -> source')
    ax.set_aspect('equal')
    ax.set_xlabel('x [m] (map frame)')
    ax.set_ylabel('y [m]')
    ax.set_title(title, fontsize=10)
    ax.legend(loc='upper left', bbox_to_anchor=(1.01, 1.0), fontsize=7)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
