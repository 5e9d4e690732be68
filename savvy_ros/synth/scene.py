"""Scene description of a synthetic SAVVY episode: dataclasses, YAML loading and validation.

World frame `map` (REP 103/105): origin at a floor corner of the room, x along the room's
length, y along its width, z up; metres, seconds, degrees only where a field name says `_deg`.
See config/scenes/README.md for every field and the difficulty knobs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SOUND_KINDS = ('knock', 'beep', 'siren', 'music', 'tv', 'meow', 'bark', 'ring', 'clap', 'water', 'footsteps')
VISUALS = ('billboard', 'box')
PHOTOS = ('astronaut', 'camera', 'chelsea', 'coffee', 'rocket', 'motorcycle', 'horse')
WALL_MARGIN = 0.05  # m: nothing may sit closer to a wall than this (the room simulator needs it)
SABINE = 24.0 * math.log(10.0) / 343.0   # s/m: RT60 = SABINE * V / (S * absorption)


class SceneError(ValueError):
    """A scene file is invalid; the message names the file and the field at fault."""


@dataclass(frozen=True)
class Waypoint:
    x: float
    y: float
    dwell: float = 0.0  # s spent standing here before moving on


@dataclass(frozen=True)
class PathSpec:
    """Piecewise-linear motion through `waypoints` at `speed` m/s; `loop` returns to the start."""

    waypoints: tuple[Waypoint, ...]
    speed: float
    loop: bool = False
    start_delay: float = 0.0  # s standing at the first waypoint


@dataclass(frozen=True)
class HeadSpec:
    look_amplitude_deg: float = 30.0   # head yaw swing around the walking direction
    look_period: float = 6.0           # s per swing
    turn_to_sounds: bool = True        # turn the head towards a speaker / sound while it is active
    turn_fraction: float = 0.7         # how far the head turns to it (1 = faces it)
    max_turn_rate_deg: float = 120.0   # head yaw rate limit [deg/s]
    pitch_deg: float = 8.0             # REP 103 pitch: positive = looking down


@dataclass(frozen=True)
class WearerSpec:
    path: PathSpec
    height: float = 1.6                # head height above the floor [m]
    head: HeadSpec = HeadSpec()


@dataclass(frozen=True)
class ObjectSpec:
    id: str
    label: str                         # COCO class name ('person', 'cat', 'cup', 'tv', ...) or a free word
    description: str                   # how questions name it ("the wooden front door")
    visual: str                        # 'billboard' (photo facing the camera) or 'box'
    size: tuple[float, float, float]   # width, depth, height [m] (billboards: depth ignored)
    position: tuple[float, float] | None = None   # static objects: floor position [m]
    path: PathSpec | None = None                  # moving objects
    elevation: float = 0.0             # height of the object's base above the floor [m]
    yaw_deg: float = 0.0               # boxes: heading of the front face (CCW from +x)
    photo: str | None = None           # billboards: skimage sample image name
    front_photo: str | None = None     # boxes: photo on the front face (a TV screen)
    aruco_id: int | None = None        # boxes: ArUco (DICT_4X4_50) tag on the front face
    color: tuple[int, int, int] = (150, 120, 90)  # boxes: RGB
    voice: str = 'en-us'               # espeak-ng voice for speech lines of this object

    @property
    def is_static(self) -> bool:
        return self.path is None

    @property
    def centre_height(self) -> float:
        """Height of the object's centre (its sound source height) above the floor [m]."""
        if self.label == 'person':  # a talker's mouth, not their belly
            return self.elevation + 0.93 * self.size[2]
        return self.elevation + 0.5 * self.size[2]


@dataclass(frozen=True)
class EventSpec:
    object: str                        # id of the sounding object
    start: float                       # s from the episode start
    kind: str                          # 'speech' or a sound kind from SOUND_KINDS
    text: str = ''                     # speech: the sentence
    topic: str = ''                    # speech: the descriptive topic questions use
    label: str = ''                    # sound: what the sound is called in questions ("knocking door")
    duration: float = 0.0              # sound: seconds (speech: set by the synthesised utterance)
    level_db: float = 0.0              # source level relative to the scene's reference level [dB]
    ask: bool = True                   # generate questions anchored on this event


@dataclass(frozen=True)
class RoomSpec:
    size: tuple[float, float, float]   # x, y, z extent [m]
    rt60: float                        # reverberation time [s]
    snr_db: float                      # diffuse-noise SNR over the active sources [dB]
    floor: str = 'wood'                # floor texture: 'wood' or 'tiles'
    wall_color: tuple[int, int, int] = (200, 195, 180)


@dataclass(frozen=True)
class CameraSpec:
    fps: float = 10.0
    width: int = 640
    height: int = 480
    hfov_deg: float = 80.0
    depth: bool = False                # also write /camera/depth/image_raw (32FC1, metres)


@dataclass(frozen=True)
class Scene:
    name: str
    duration: float
    room: RoomSpec
    wearer: WearerSpec
    objects: tuple[ObjectSpec, ...]
    events: tuple[EventSpec, ...]
    camera: CameraSpec = CameraSpec()
    seed: int = 0
    description: str = ''
    source_file: str = ''
    objects_by_id: dict[str, ObjectSpec] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.objects_by_id.update({o.id: o for o in self.objects})


class _Fields:
    """Reads one mapping of a scene file, naming the file and the dotted field in every error."""

    def __init__(self, data: Any, where: str, source: str) -> None:
        if not isinstance(data, dict):
            raise SceneError(f'{source}: {where} must be a mapping')
        self.data, self.where, self.source = data, where, source
        self.used: set[str] = set()

    def error(self, key: str, message: str) -> SceneError:
        return SceneError(f'{self.source}: {self.where}.{key}: {message}' if self.where
                          else f'{self.source}: {key}: {message}')

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str, default: Any = ...) -> Any:
        self.used.add(key)
        if key not in self.data:
            if default is ...:
                raise self.error(key, 'missing')
            return default
        return self.data[key]

    def number(self, key: str, default: Any = ..., lo: float = -math.inf, hi: float = math.inf) -> float:
        value = self.raw(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.error(key, f'must be a finite number, got {value!r}')
        if not lo <= value <= hi:
            raise self.error(key, f'must be within [{lo}, {hi}], got {value}')
        return float(value)

    def text(self, key: str, default: Any = ...) -> str:
        value = self.raw(key, default)
        if not isinstance(value, str):
            raise self.error(key, f'must be a string, got {value!r}')
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.raw(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f'must be true or false, got {value!r}')
        return value

    def vector(self, key: str, length: int, default: Any = ...) -> tuple[float, ...]:
        value = self.raw(key, default)
        if (not isinstance(value, (list, tuple)) or len(value) != length
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                           for v in value)):
            raise self.error(key, f'must be a list of {length} finite numbers, got {value!r}')
        return tuple(float(v) for v in value)

    def check_unknown(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise SceneError(f'{self.source}: {self.where or "scene"}: unknown field(s) {unknown}')


def _color(fields: _Fields, key: str, default: tuple[int, int, int]) -> tuple[int, int, int]:
    rgb = fields.vector(key, 3, list(default))
    if not all(0 <= c <= 255 for c in rgb):
        raise fields.error(key, f'RGB values must be within 0..255, got {list(rgb)}')
    return int(rgb[0]), int(rgb[1]), int(rgb[2])


def _path(data: Any, where: str, source: str) -> PathSpec:
    fields = _Fields(data, where, source)
    raw_points = fields.raw('waypoints')
    if not isinstance(raw_points, list) or not raw_points:
        raise fields.error('waypoints', 'must be a non-empty list of [x, y] or [x, y, dwell_s]')
    points = []
    for index, point in enumerate(raw_points):
        if (not isinstance(point, list) or len(point) not in (2, 3)
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in point)):
            raise fields.error(f'waypoints[{index}]', f'must be [x, y] or [x, y, dwell_s], got {point!r}')
        if len(point) == 3 and point[2] < 0:
            raise fields.error(f'waypoints[{index}]', 'dwell must be >= 0 s')
        points.append(Waypoint(float(point[0]), float(point[1]), float(point[2]) if len(point) == 3 else 0.0))
    speed = fields.number('speed', lo=0.01, hi=3.0)
    spec = PathSpec(tuple(points), speed, fields.flag('loop', False), fields.number('start_delay', 0.0, lo=0.0))
    fields.check_unknown()
    return spec


def _head(data: Any, source: str) -> HeadSpec:
    fields = _Fields(data, 'wearer.head', source)
    spec = HeadSpec(
        look_amplitude_deg=fields.number('look_amplitude_deg', 30.0, lo=0.0, hi=120.0),
        look_period=fields.number('look_period', 6.0, lo=0.5),
        turn_to_sounds=fields.flag('turn_to_sounds', True),
        turn_fraction=fields.number('turn_fraction', 0.7, lo=0.0, hi=1.0),
        max_turn_rate_deg=fields.number('max_turn_rate_deg', 120.0, lo=1.0, hi=720.0),
        pitch_deg=fields.number('pitch_deg', 8.0, lo=-45.0, hi=45.0))
    fields.check_unknown()
    return spec


def _object(data: Any, index: int, source: str) -> ObjectSpec:
    fields = _Fields(data, f'objects[{index}]', source)
    object_id = fields.text('id')
    if not object_id.replace('_', '').isalnum():
        raise fields.error('id', f'must be letters, digits and underscores, got {object_id!r}')
    visual = fields.text('visual', 'billboard')
    if visual not in VISUALS:
        raise fields.error('visual', f'must be one of {list(VISUALS)}, got {visual!r}')
    has_position, has_path = fields.has('position'), fields.has('path')
    if has_position == has_path:
        raise fields.error('position', 'give exactly one of position (static) or path (moving)')
    position = fields.vector('position', 2) if has_position else None
    path = _path(fields.raw('path'), f'{fields.where}.path', source) if has_path else None
    size = fields.vector('size', 3)
    if min(size[0], size[2]) <= 0.0 or size[1] < 0.0:
        raise fields.error('size', f'width and height must be > 0 and depth >= 0, got {list(size)}')
    photo = fields.raw('photo', None)
    front_photo = fields.raw('front_photo', None)
    for key, value in (('photo', photo), ('front_photo', front_photo)):
        if value is not None and value not in PHOTOS:
            raise fields.error(key, f'must be one of {list(PHOTOS)}, got {value!r}')
    if visual == 'billboard' and photo is None:
        raise fields.error('photo', 'a billboard needs a photo')
    aruco = fields.raw('aruco_id', None)
    if aruco is not None and (isinstance(aruco, bool) or not isinstance(aruco, int) or not 0 <= aruco < 50):
        raise fields.error('aruco_id', f'must be an integer 0..49 (DICT_4X4_50), got {aruco!r}')
    if aruco is not None and visual != 'box':
        raise fields.error('aruco_id', 'only boxes carry ArUco tags')
    label = fields.text('label')
    spec = ObjectSpec(
        id=object_id, label=label, description=fields.text('description', label), visual=visual,
        size=(size[0], size[1], size[2]), position=(position[0], position[1]) if position else None, path=path,
        elevation=fields.number('elevation', 0.0, lo=0.0), yaw_deg=fields.number('yaw_deg', 0.0),
        photo=photo, front_photo=front_photo, aruco_id=aruco, color=_color(fields, 'color', (150, 120, 90)),
        voice=fields.text('voice', 'en-us'))
    fields.check_unknown()
    return spec


def _event(data: Any, index: int, source: str) -> EventSpec:
    fields = _Fields(data, f'events[{index}]', source)
    kind = fields.text('kind')
    if kind != 'speech' and kind not in SOUND_KINDS:
        raise fields.error('kind', f"must be 'speech' or one of {list(SOUND_KINDS)}, got {kind!r}")
    common = dict(object=fields.text('object'), start=fields.number('start', lo=0.0), kind=kind,
                  level_db=fields.number('level_db', 0.0, lo=-40.0, hi=20.0), ask=fields.flag('ask', True))
    if kind == 'speech':
        text, topic = fields.text('text').strip(), fields.text('topic').strip()
        if not text or not topic:
            raise fields.error('text', 'speech needs a non-empty text and topic')
        spec = EventSpec(**common, text=text, topic=topic)
    else:
        label = fields.text('label').strip()
        if not label:
            raise fields.error('label', 'a sound needs a non-empty label (what questions call it)')
        spec = EventSpec(**common, label=label, duration=fields.number('duration', lo=0.1, hi=600.0))
    fields.check_unknown()
    return spec


def _inside(room: RoomSpec, x: float, y: float) -> bool:
    return WALL_MARGIN <= x <= room.size[0] - WALL_MARGIN and WALL_MARGIN <= y <= room.size[1] - WALL_MARGIN


def _validate(scene: Scene, source: str) -> None:
    ids = [o.id for o in scene.objects]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise SceneError(f'{source}: objects: duplicate id(s) {duplicates}')
    if 'wearer' in ids or 'camera' in ids:
        raise SceneError(f"{source}: objects: the ids 'wearer' and 'camera' are reserved")
    room = scene.room
    for wp in scene.wearer.path.waypoints:
        if not _inside(room, wp.x, wp.y):
            raise SceneError(f'{source}: wearer.path: waypoint ({wp.x}, {wp.y}) is outside the room {list(room.size)}')
    if not 0.3 < scene.wearer.height < room.size[2] - WALL_MARGIN:
        raise SceneError(f'{source}: wearer.height {scene.wearer.height} m does not fit the room height')
    for obj in scene.objects:
        points = [(obj.position[0], obj.position[1])] if obj.position else [(w.x, w.y) for w in obj.path.waypoints]
        for x, y in points:
            if not _inside(room, x, y):
                raise SceneError(f'{source}: object {obj.id!r}: point ({x}, {y}) is outside the room {list(room.size)}')
        if obj.elevation + obj.size[2] > room.size[2]:
            raise SceneError(f'{source}: object {obj.id!r} is taller than the room')
    for index, event in enumerate(scene.events):
        obj = scene.objects_by_id.get(event.object)
        if obj is None:
            raise SceneError(f'{source}: events[{index}].object: no object with id {event.object!r}')
        if event.kind == 'speech' and obj.label != 'person':
            raise SceneError(f'{source}: events[{index}]: speech must come from a person, '
                             f'{event.object!r} is a {obj.label!r}')
        if event.start + event.duration > scene.duration:
            raise SceneError(f'{source}: events[{index}] ends after the scene ({scene.duration} s)')
        if event.start >= scene.duration:
            raise SceneError(f'{source}: events[{index}] starts after the scene ({scene.duration} s)')


def scene_from_dict(data: Any, source: str = '<scene>') -> Scene:
    fields = _Fields(data, '', source)
    room_fields = _Fields(fields.raw('room'), 'room', source)
    size = room_fields.vector('size', 3)
    if not (2.0 <= size[0] <= 30.0 and 2.0 <= size[1] <= 30.0 and 2.0 <= size[2] <= 6.0):
        raise room_fields.error('size', f'must be 2..30 m wide and long and 2..6 m high, got {list(size)}')
    floor = room_fields.text('floor', 'wood')
    if floor not in ('wood', 'tiles'):
        raise room_fields.error('floor', f"must be 'wood' or 'tiles', got {floor!r}")
    room = RoomSpec(size=(size[0], size[1], size[2]), rt60=room_fields.number('rt60', lo=0.1, hi=2.0),
                    snr_db=room_fields.number('snr_db', lo=-10.0, hi=60.0), floor=floor,
                    wall_color=_color(room_fields, 'wall_color', (200, 195, 180)))
    room_fields.check_unknown()
    volume = size[0] * size[1] * size[2]
    surface = 2.0 * (size[0] * size[1] + size[0] * size[2] + size[1] * size[2])
    if SABINE * volume / (surface * room.rt60) >= 1.0:  # would need walls absorbing more than everything
        raise room_fields.error('rt60', f'{room.rt60} s is too short for a {size[0]} x {size[1]} x {size[2]} m room '
                                f'(Sabine: at least {SABINE * volume / surface:.2f} s)')

    camera = CameraSpec()
    if fields.has('camera'):
        cam = _Fields(fields.raw('camera'), 'camera', source)
        camera = CameraSpec(fps=cam.number('fps', 10.0, lo=1.0, hi=60.0),
                            width=int(cam.number('width', 640, lo=64, hi=4096)),
                            height=int(cam.number('height', 480, lo=48, hi=4096)),
                            hfov_deg=cam.number('hfov_deg', 80.0, lo=20.0, hi=150.0), depth=cam.flag('depth', False))
        cam.check_unknown()

    wearer_fields = _Fields(fields.raw('wearer'), 'wearer', source)
    wearer = WearerSpec(path=_path(wearer_fields.raw('path'), 'wearer.path', source),
                        height=wearer_fields.number('height', 1.6),
                        head=_head(wearer_fields.raw('head', {}), source))
    wearer_fields.check_unknown()

    raw_objects = fields.raw('objects')
    raw_events = fields.raw('events')
    if not isinstance(raw_objects, list) or not raw_objects:
        raise fields.error('objects', 'must be a non-empty list')
    if not isinstance(raw_events, list):
        raise fields.error('events', 'must be a list')
    seed = fields.raw('seed', 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise fields.error('seed', f'must be a non-negative integer, got {seed!r}')
    name = fields.text('name')
    if not name.replace('_', '').replace('-', '').isalnum():
        raise fields.error('name', f'must be letters, digits, - and _, got {name!r}')
    scene = Scene(name=name, duration=fields.number('duration', lo=0.5, hi=3600.0), room=room, wearer=wearer,
                  objects=tuple(_object(o, i, source) for i, o in enumerate(raw_objects)),
                  events=tuple(sorted((_event(e, i, source) for i, e in enumerate(raw_events)),
                                      key=lambda e: (e.start, e.object))),
                  camera=camera, seed=seed, description=fields.text('description', '').strip(), source_file=source)
    fields.check_unknown()
    _validate(scene, source)
    return scene


def load_scene(path: str | Path) -> Scene:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise SceneError(f'{path}: cannot read scene file: {exc}') from exc
    except yaml.YAMLError as exc:
        raise SceneError(f'{path}: not valid YAML: {exc}') from exc
    return scene_from_dict(data, str(path))
