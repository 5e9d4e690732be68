#!/usr/bin/env python3
"""Rewrite the build host's paths baked into the ROS 2 wheels' exported CMake files.

The PyPI ROS 2 wheels were built in a manylinux container whose Python lived under
/opt/python/cp311-cp311; their exported CMake targets and ament index entries still name it,
so `find_package(<msgs>)` in our interface build would add include paths that do not exist.
This script points them at this interpreter (its headers, numpy's headers, the venv prefix).
It is idempotent and prints what it changed.
"""
from __future__ import annotations

import argparse
import sys
import sysconfig
from pathlib import Path

BUILD_HOST_PREFIX = '/opt/python/cp311-cp311'


def replacements(prefix: Path) -> list[tuple[str, str]]:
    """Ordered (old, new) pairs: the most specific paths first."""
    import numpy  # the venv's numpy: its headers are what the generated code compiles against

    py_include = sysconfig.get_paths()['include']
    site = sysconfig.get_paths()['purelib']
    return [
        (f'{BUILD_HOST_PREFIX}/include/python3.11', py_include),
        (f'{BUILD_HOST_PREFIX}/lib/python3.11/site-packages/numpy/_core/include', numpy.get_include()),
        (f'{BUILD_HOST_PREFIX}/lib/python3.11/site-packages', site),
        (BUILD_HOST_PREFIX, str(prefix)),
    ]


def repair(prefix: Path, dry_run: bool = False) -> list[Path]:
    """Rewrite every text file under <prefix>/share that names the build host's Python."""
    changed: list[Path] = []
    pairs = replacements(prefix)
    share = prefix / 'share'
    if not share.is_dir():
        raise SystemExit(f'repair_ros_wheels: {share} does not exist; are the ROS wheels installed?')
    needle = BUILD_HOST_PREFIX.encode()
    for path in share.rglob('*'):
        if not path.is_file() or path.is_symlink():
            continue
        data = path.read_bytes()
        if needle not in data:
            continue
        try:
            text = data.decode('utf-8')
        except UnicodeDecodeError:
            continue
        for old, new in pairs:
            text = text.replace(old, new)
        if not dry_run:
            path.write_text(text, encoding='utf-8')
        changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--prefix', type=Path, default=Path(sys.prefix),
                        help='install prefix of the ROS wheels (default: this interpreter\'s venv)')
    parser.add_argument('--dry-run', action='store_true', help='only list the files that would change')
    args = parser.parse_args(argv)
    changed = repair(args.prefix.resolve(), dry_run=args.dry_run)
    verb = 'would rewrite' if args.dry_run else 'rewrote'
    print(f'repair_ros_wheels: {verb} {len(changed)} file(s) under {args.prefix}/share')
    return 0


if __name__ == '__main__':
    sys.exit(main())
