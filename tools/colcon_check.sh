#!/usr/bin/env bash
# `make colcon-check`: build this repository with colcon in a scratch workspace, the way a ROS 2
# user would (`colcon build` of src/savvy_ros, ament_cmake), and check that the *installed*
# package works on its own: the Python package, msg/srv bindings and their C libraries, the
# lib/savvy_ros executables, the share/ files and the ament index entry all come from
# install/savvy_ros, not from the checkout or from the development install in the venv.
#
#   VENV=/path/.venv bash tools/colcon_check.sh [--keep]
#
#   --keep   keep the previous build/, install/ and log/ (incremental rebuild); by default they
#            are wiped so that every run is a clean build.
#
# Workspace: <repo>/.colcon-check/ws (override with COLCON_CHECK_DIR). src/savvy_ros is a copy of
# the working tree: the files git tracks plus untracked, not-ignored ones, uncommitted edits
# included (without git: the tree less .git, .venv, build, install, log, .colcon-check).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VENV:-$ROOT/.venv}
CHECK_DIR=${COLCON_CHECK_DIR:-$ROOT/.colcon-check}
KEEP=0
for arg in "$@"; do
  case $arg in
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) printf '[colcon-check] unknown argument: %s (see --help)\n' "$arg" >&2; exit 2 ;;
  esac
done

START=$SECONDS
log() { printf '[colcon-check] %s\n' "$*"; }
fail() {
  printf '[colcon-check] ERROR: %s\n' "$*" >&2
  printf '[colcon-check] FAIL: colcon build/install check of savvy_ros failed after %ss (%s)\n' \
    "$((SECONDS - START))" "$1" >&2
  exit 1
}

[[ -x "$VENV/bin/python" ]] || fail "no Python in VENV=$VENV (run 'make setup' first)"
VENV=$(cd "$VENV" && pwd)
[[ -x "$VENV/bin/colcon" ]] || fail "$VENV/bin/colcon not found (colcon-core/colcon-ros are installed by 'make setup')"
PKG=$(sed -n 's:.*<name>\(.*\)</name>.*:\1:p' "$ROOT/package.xml" | head -1)
[[ $PKG == savvy_ros ]] || fail "package.xml names '$PKG', expected savvy_ros"

WS=$CHECK_DIR/ws
SRC=$WS/src/$PKG
INSTALL=$WS/install
PREFIX=$INSTALL/$PKG

# --- 1. scratch workspace: a copy of the working tree --------------------------------------
mkdir -p "$WS"
if ((KEEP)); then
  log "workspace $WS (--keep: reusing build/ install/ log/)"
else
  rm -rf "$WS/build" "$WS/install" "$WS/log"
  log "workspace $WS (clean build)"
fi
rm -rf "$WS/src"
mkdir -p "$SRC"
if command -v git >/dev/null 2>&1 && git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # Tracked and untracked-but-not-ignored files of the working tree, as they are on disk
  # (files deleted but not yet committed as such are skipped). tar keeps modes and mtimes.
  git -C "$ROOT" ls-files -z --cached --others --exclude-standard \
    | (cd "$ROOT" && while IFS= read -r -d '' f; do
         [[ -f $f || -L $f ]] && printf '%s\0' "$f"
       done) \
    | LC_ALL=C sort -zu \
    | tar -C "$ROOT" --null --no-recursion -T - -cf - \
    | tar -C "$SRC" -xf -
  how="git ls-files (tracked + untracked, not ignored)"
else
  excludes=(--exclude=./.git --exclude=./.venv --exclude=./build --exclude=./install --exclude=./log
            --exclude=./.colcon-check --exclude=./out --exclude=__pycache__ --exclude='*.pyc' --exclude=.pytest_cache
            --exclude='*.egg-info')
  case $VENV in "$ROOT"/*) excludes+=("--exclude=./${VENV#"$ROOT"/}") ;; esac
  case $CHECK_DIR in "$ROOT"/*) excludes+=("--exclude=./${CHECK_DIR#"$ROOT"/}") ;; esac
  tar -C "$ROOT" "${excludes[@]}" -cf - . | tar -C "$SRC" -xf -
  how="the tree (no git work tree found)"
fi
log "copied $(find "$SRC" -type f | wc -l) files into src/$PKG from $how"

# --- 2. colcon build ---------------------------------------------------------------------
# The venv is the only ROS prefix (as in tools/setup_env.sh).
export PATH="$VENV/bin:$PATH"
export AMENT_PREFIX_PATH="$VENV${AMENT_PREFIX_PATH:+:$AMENT_PREFIX_PATH}"
export CMAKE_PREFIX_PATH="$VENV${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}"
export LD_LIBRARY_PATH="$VENV/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
unset PYTHONPATH COLCON_PREFIX_PATH

COLCON_OUT=$CHECK_DIR/colcon-build.out
log "colcon build (log: $WS/log/latest_build, console: $COLCON_OUT)"
build_start=$SECONDS
if ! (cd "$WS" && "$VENV/bin/colcon" --log-base log build \
        --base-paths src --build-base build --install-base install \
        --event-handlers console_direct+ console_start_end+ \
        --cmake-args -DPython3_EXECUTABLE="$VENV/bin/python" -DBUILD_TESTING=OFF \
                     -DCMAKE_BUILD_TYPE=Release) > "$COLCON_OUT" 2>&1; then
  log "last 60 lines of colcon's output ($COLCON_OUT):" >&2
  tail -60 "$COLCON_OUT" >&2
  if grep -q 'file INSTALL cannot find' "$COLCON_OUT"; then
    log "note: src/$PKG holds only the files git lists (tracked or untracked, not ignored);" \
        "an empty or ignored directory of the checkout is not copied" >&2
  fi
  fail "colcon build failed"
fi
log "colcon build done in $((SECONDS - build_start))s"

# --- 3. the installed package, in a fresh process ------------------------------------------
[[ -d $PREFIX ]] || fail "colcon did not create $PREFIX"
# colcon-bash (setup.bash) is optional; colcon-core always writes the POSIX setup.sh.
SETUP=$INSTALL/setup.bash
[[ -f $SETUP ]] || SETUP=$INSTALL/setup.sh
[[ -f $SETUP ]] || fail "colcon generated neither $INSTALL/setup.bash nor $INSTALL/setup.sh"

VERIFY=$(mktemp -d "${TMPDIR:-/tmp}/savvy_colcon_check.XXXXXX")
trap 'rm -rf "$VERIFY"' EXIT
cat > "$VERIFY/verify.py" <<'PY'
"""Runs in the environment of the colcon install only; argv: install prefix, package, checkout,
the workspace's copy of the sources."""
import importlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

prefix = Path(sys.argv[1]).resolve()
pkg = sys.argv[2]
src = Path(sys.argv[3]).resolve()
src_copy = Path(sys.argv[4]).resolve()
problems = []


def check(ok, what):
    if not ok:
        problems.append(what)
    return ok


def under_prefix(path):
    return path is not None and Path(path).resolve().is_relative_to(prefix)


# The checkout must not be what sys.path (or the current directory) provides.
check(Path.cwd().resolve() != src and not Path.cwd().resolve().is_relative_to(src),
      f'runs inside the source tree ({Path.cwd()})')

import savvy_ros  # noqa: E402
import savvy_ros.cli  # noqa: E402
import savvy_ros.msg  # noqa: E402
import savvy_ros.srv  # noqa: E402

check(under_prefix(savvy_ros.__file__), f'savvy_ros comes from {savvy_ros.__file__}, not {prefix}')
check(Path(savvy_ros.__path__[0]).resolve().is_relative_to(prefix),
      f'savvy_ros.__path__ starts with {savvy_ros.__path__[0]}, not the install')

# Every Python file of the sources is installed beside the bindings.
installed_pkg = Path(savvy_ros.__file__).resolve().parent
for source in sorted((src_copy / pkg).rglob('*.py')):
    if '__pycache__' not in source.parts:
        rel = source.relative_to(src_copy / pkg)
        check((installed_pkg / rel).is_file(), f'{pkg}/{rel} is not installed in {installed_pkg}')

chunk = savvy_ros.msg.AudioChunk()
request = savvy_ros.srv.AskSpatial.Request()
response = savvy_ros.srv.AskSpatial.Response()
# A CDR round trip exercises the C type support libraries, not only the Python classes.
from rclpy.serialization import deserialize_message, serialize_message  # noqa: E402
check(deserialize_message(serialize_message(chunk), savvy_ros.msg.AudioChunk) == chunk,
      'AudioChunk does not survive a serialize/deserialize round trip')

# Every executable in lib/<pkg>: import the module it names (running the node is not harmless).
lib_dir = prefix / 'lib' / pkg
executables = sorted(p for p in lib_dir.iterdir() if p.is_file()) if lib_dir.is_dir() else []
check(executables, f'no executables in {lib_dir}')
for exe in executables:
    check(os.access(exe, os.X_OK), f'{exe} is not executable')
    m = re.search(r'^from\s+([\w.]+)\s+import\s+(\w+)', exe.read_text(), re.M)
    if check(m, f'{exe}: no "from <module> import <function>" line'):
        module = importlib.import_module(m.group(1))
        check(callable(getattr(module, m.group(2), None)), f'{exe}: {m.group(1)}.{m.group(2)} is not callable')

# Every savvy_ros module loaded so far must come from the install prefix.
for name, module in sorted(sys.modules.items()):
    if name == pkg or name.startswith(pkg + '.'):
        file = getattr(module, '__file__', None)
        if check(file is not None, f'module {name} is a namespace package (no __init__.py installed?)'):
            check(under_prefix(file), f'module {name} comes from {file}')

# ... and so must every savvy_ros shared library mapped into this process.
libs = set()
with open('/proc/self/maps') as maps:
    for line in maps:
        path = line.split(None, 5)[5].strip() if len(line.split(None, 5)) == 6 else ''
        if re.search(rf'(lib{pkg}__|{pkg}_s__)[^/]*\.so', os.path.basename(path)):
            libs.add(path)
check(libs, f'no {pkg} shared library mapped after using the bindings')
for lib in sorted(libs):
    check(under_prefix(lib), f'shared library {lib} is not from the install')

from ament_index_python.packages import get_package_prefix, get_package_share_directory  # noqa: E402
share = get_package_share_directory(pkg)
check(Path(share).resolve() == prefix / 'share' / pkg,
      f'get_package_share_directory({pkg!r}) = {share}, not {prefix / "share" / pkg}')
check(Path(get_package_prefix(pkg)).resolve() == prefix, f'get_package_prefix({pkg!r}) = {get_package_prefix(pkg)}')

# Each executable, in a child process of this environment: run the installed script's own code
# (its imports) under a name other than __main__, so that the node itself does not start.
check(shutil.which('python3') is not None, 'no python3 on PATH for the executables\' #! line')
for exe in executables:
    m = re.search(r'^from\s+([\w.]+)\s+import\s+(\w+)', exe.read_text(), re.M)
    if m:
        code = (f'import runpy, sys; runpy.run_path({str(exe)!r}, run_name="colcon_check"); '
                f'f = sys.modules[{m.group(1)!r}].__file__; '
                f'sys.exit(0 if f.startswith({str(prefix) + os.sep!r}) else f"{{f}} is not installed")')
        proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120)
        check(proc.returncode == 0, f'{exe.name}: loading it in a child process failed: '
              f'{(proc.stderr or proc.stdout).strip()[-500:]}')

if problems:
    for p in problems:
        print(f'  - {p}', file=sys.stderr)
    sys.exit(1)
shadowed = [p for p in sys.path if p and (Path(p) / pkg / '__init__.py').is_file()
            and not Path(p).resolve().is_relative_to(prefix)]
print(f'imports ok: savvy_ros from {Path(savvy_ros.__file__).parent}; executables: '
      + ', '.join(e.name for e in executables))
if shadowed:
    print('also on sys.path, and shadowed by the install as intended: ' + ', '.join(shadowed))
PY

# Files the install must contain.
missing=()
for f in share/$PKG/package.xml share/$PKG/config/savvy.yaml share/$PKG/launch/savvy.launch.py \
         share/$PKG/launch/replay.launch.py share/$PKG/rviz share/ament_index/resource_index/packages/$PKG \
         lib/$PKG/monitor_node; do
  [[ -e $PREFIX/$f ]] || missing+=("$f")
done
((${#missing[@]} == 0)) || fail "missing from $PREFIX: ${missing[*]}"
[[ -x $PREFIX/lib/$PKG/monitor_node ]] || fail "$PREFIX/lib/$PKG/monitor_node is not executable"
while IFS= read -r line; do      # every entry of config/executables.txt is installed
  [[ $line =~ ^[[:space:]]*([A-Za-z0-9_]+)[[:space:]]*= ]] || continue
  [[ -x $PREFIX/lib/$PKG/${BASH_REMATCH[1]} ]] || fail "lib/$PKG/${BASH_REMATCH[1]} (config/executables.txt) is not installed"
done < <(grep -v '^[[:space:]]*#' "$SRC/config/executables.txt")

# A fresh environment: only the venv as the underlay ROS prefix, then the colcon install's own
# setup script on top of it; run from a scratch directory, so the checkout is not the cwd.
log "checking the installed package in a fresh environment (sourcing install/${SETUP##*/})"
if ! (cd "$VERIFY" && env -i HOME="${HOME:-/tmp}" TERM="${TERM:-dumb}" LANG=C.UTF-8 \
        PATH="$VENV/bin:/usr/local/bin:/usr/bin:/bin" AMENT_PREFIX_PATH="$VENV" \
        CMAKE_PREFIX_PATH="$VENV" LD_LIBRARY_PATH="$VENV/lib" PYTHONNOUSERSITE=1 \
        ROS_LOCALHOST_ONLY=1 ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST \
        bash --noprofile --norc -c '
          . "$1" || { echo "sourcing $1 failed" >&2; exit 1; }
          # The wheels'"'"' ros_wheels_bootstrapper (a .pth) re-executes Python with LD_LIBRARY_PATH
          # rebuilt from a set, in random order, so the venv'"'"'s own libsavvy_ros__*.so could win
          # over the install'"'"'s. Add its directories here, in order, and skip the re-exec.
          for d in "$2"/lib/python3*/site-packages/ros_*.libs; do
            [ -d "$d" ] && LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$d"
          done
          export LD_LIBRARY_PATH _ROS_WHEELS_BOOTSTRAP_COMPLETE=1
          exec "$2/bin/python" "$3/verify.py" "$4" "$5" "$6" "$7"
        ' colcon-check-verify "$SETUP" "$VENV" "$VERIFY" "$PREFIX" "$PKG" "$ROOT" "$SRC") \
      > "$VERIFY/verify.out" 2>&1; then
  cat "$VERIFY/verify.out" >&2
  fail "the installed package does not work on its own"
fi
sed 's/^/[colcon-check]   /' "$VERIFY/verify.out"

log "PASS: colcon build of $PKG in $WS installs a working package (msg/srv bindings, Python modules, lib/$PKG executables, share/ files, ament index) in $((SECONDS - START))s"
