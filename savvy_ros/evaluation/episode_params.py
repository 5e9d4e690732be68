"""Node parameters an episode needs beyond config/savvy.yaml, derived from its ground truth.

Synthetic episodes tag some boxes with ArUco markers; the vision node can only use them with a
marker table (id -> label, tag size, tag-to-centre offset), which is written from the ground
truth's marker list exactly as the renderer placed them (tag centred on the box's front face).
The size priors get this world's object sizes (see size_priors). A real rig keeps the stock tables.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from savvy_ros.resources import config_file

HEADER = '# Written by savvy-ros eval from the episode ground truth.\n'


def aruco_table(gt: dict[str, Any]) -> dict[str, Any] | None:
    markers, dictionaries = {}, set()
    for obj in gt.get('objects', []):
        tag = obj.get('aruco')
        if not tag:
            continue
        dictionaries.add(tag['dictionary'])
        depth = float(obj['size'][1])
        markers[int(tag['id'])] = {'label': obj['label'], 'size': float(tag['side_m']),
                                   'offset': [0.0, 0.0, -depth / 2.0]}
    if not markers:
        return None
    if len(dictionaries) > 1:
        raise ValueError(f'episode tags use several ArUco dictionaries {sorted(dictionaries)}; one is supported')
    return {'dictionary': dictionaries.pop(), 'default_size': None, 'markers': markers}


def size_priors(gt: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """The vision size-prior table with this world's classes at their true sizes.

    Synthetic people are photo billboards about 1 m tall (portraits), not 1.7 m: with the stock
    prior every person would be placed 1.7x too far. Sizes are medians over the objects of a label.
    """
    table = {'default': dict(base['default']), 'classes': {k: dict(v) for k, v in base['classes'].items()}}
    sizes: dict[str, list[tuple[float, float]]] = {}
    for obj in gt.get('objects', []):
        width, _, height = (float(v) for v in obj['size'][:3])
        sizes.setdefault(str(obj['label']), []).append((height, width))
    for label, values in sizes.items():
        heights, widths = zip(*values)
        entry = table['classes'].setdefault(label, dict(table['default']))
        entry.update(height=float(sorted(heights)[len(heights) // 2]), width=float(sorted(widths)[len(widths) // 2]))
    return table


def episode_node_params(gt: dict[str, Any] | None, work_dir: Path) -> dict[str, dict[str, dict[str, str]]]:
    """executable -> {node name: {parameter: value}} overrides for this episode (the settings of every
    replay are config/replay.yaml's)."""
    params: dict[str, dict[str, dict[str, str]]] = {}
    if gt is None:
        return params
    work_dir.mkdir(parents=True, exist_ok=True)
    vision = params.setdefault('vision_node', {}).setdefault('savvy_vision', {})
    priors = work_dir / 'size_priors.yaml'
    base = yaml.safe_load(config_file('vision/size_priors.yaml').read_text())
    priors.write_text(HEADER + yaml.safe_dump(size_priors(gt, base), sort_keys=False))
    vision['size_priors'] = str(priors)
    table = aruco_table(gt)
    if table is not None:
        path = work_dir / 'aruco_markers.yaml'
        path.write_text(HEADER + yaml.safe_dump(table))
        vision.update(detector='coco,aruco', aruco_table=str(path))
    return params
