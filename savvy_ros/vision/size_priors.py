"""Per-class physical size priors (config/vision/size_priors.yaml) for monocular range."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml


class SizePriorError(ValueError):
    pass


@dataclass(frozen=True)
class SizePrior:
    height: float       # [m] vertical extent of the object's image box
    width: float        # [m] horizontal extent
    rel_sigma: float    # relative 1-sigma of the true size around these values


@dataclass(frozen=True)
class SizePriorTable:
    classes: dict[str, SizePrior]
    default: SizePrior

    def prior(self, label: str) -> SizePrior:
        return self.classes.get(label, self.default)


def _prior(entry, where: str) -> SizePrior:
    if not isinstance(entry, dict):
        raise SizePriorError(f'{where}: expected a mapping with height, width [m] and rel_sigma')
    try:
        values = [float(entry[key]) for key in ('height', 'width', 'rel_sigma')]
    except KeyError as exc:
        raise SizePriorError(f'{where}: missing {exc.args[0]}') from None
    except (TypeError, ValueError):
        raise SizePriorError(f'{where}: height, width and rel_sigma must be numbers') from None
    if not all(np.isfinite(v) and v > 0 for v in values):
        raise SizePriorError(f'{where}: height, width and rel_sigma must be finite and > 0, got {values}')
    return SizePrior(*values)


def load_size_priors(path: str | Path) -> SizePriorTable:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        raise FileNotFoundError(f'size prior table not found: {path}') from None
    if 'default' not in data:
        raise SizePriorError(f'{path}: missing the default prior (used for classes not listed)')
    classes = {str(label): _prior(entry, f'{path}: {label}') for label, entry in (data.get('classes') or {}).items()}
    return SizePriorTable(classes, _prior(data['default'], f'{path}: default'))
