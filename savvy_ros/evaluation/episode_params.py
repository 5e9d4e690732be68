"""Node parameters an episode needs beyond config/savvy.yaml, derived from its ground truth.

Synthetic episodes tag some boxes with ArUco markers; the vision node can only use them with a
marker table (id -> label, tag size, tag-to-centre offset), which is written from the ground
truth's marker list exactly as the renderer placed them (tag centred on the box's front face).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


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


# In replay every node shares two cores with the player: TF can fall behind the other inputs by
# more than the live default wait, and a dropped observation is a lost answer.
REPLAY_PARAMS = {'map_node': {'savvy_map': {'tf_wait': '3.0'}}}


def episode_node_params(gt: dict[str, Any] | None, work_dir: Path) -> dict[str, dict[str, dict[str, str]]]:
    """executable -> {node name: {parameter: value}} overrides for this episode."""
    params = {executable: {node: dict(values) for node, values in nodes.items()}
              for executable, nodes in REPLAY_PARAMS.items()}
    if gt is None:
        return params
    table = aruco_table(gt)
    if table is not None:
        work_dir.mkdir(parents=True, exist_ok=True)
        path = work_dir / 'aruco_markers.yaml'
        path.write_text('# Written by savvy-ros eval from the episode ground truth.\n' + yaml.safe_dump(table))
        params['vision_node'] = {'savvy_vision': {'detector': 'coco,aruco', 'aruco_table': str(path)}}
    return params
