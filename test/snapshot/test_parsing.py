"""The parser reads every real release output and the usual ways models bend the schema."""
from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from savvy_ros.snapshot import Mode, Role, SnapshotParseError, parse_model_output
from savvy_ros.snapshot.parsing import clip_seconds, loose_number


def test_every_release_output_parses_with_windows_and_rep103_directions(sd_entries):
    entries = sd_entries
    assert len(entries) == 16
    for qid, entry in entries.items():
        description = parse_model_output(json.dumps(entry))
        assert description.warnings == (), (qid, description.warnings)
        assert 0.0 <= description.start_s <= description.end_s, qid
        assert description.mode in (Mode.EGOCENTRIC, Mode.ALLOCENTRIC), qid
        sounding = description.object(Role.SOUNDING)
        assert sounding is not None and sounding.description and sounding.keyframes, qid
        for obj in description.objects:
            assert obj.keyframes, (qid, obj.role)   # "N/A" facing objects are dropped, not kept empty
            times = [k.time_s for k in obj.keyframes]
            assert times == sorted(times)
            assert all(-math.pi <= k.azimuth_rad <= math.pi for k in obj.keyframes)


def test_fixture_entry_values_are_converted_exactly(sd_entries):
    entry = sd_entries['spatial_temporal_audio_direction_exo_hard_3']
    description = parse_model_output('Here is the descriptor:\n```json\n' + json.dumps(entry, indent=1) + '\n```')
    assert (description.start_s, description.end_s, description.mode) == (13.0, 15.0, Mode.ALLOCENTRIC)
    door = description.object(Role.SOUNDING)
    assert door.is_static is True and door.description.startswith('A dark brown wooden arched front door')
    first = door.keyframes[0]   # "0:05": {"distance": "4.5", "direction": "65"} (65 deg right)
    assert first.time_s == 5.0 and first.distance_m == 4.5
    assert first.azimuth_rad == pytest.approx(math.radians(-65.0))
    assert description.prediction == 'back-right'


def test_prose_fences_strings_words_lists_and_swapped_window():
    text = '''Sure! Based on the clip, here you go.
```json
{"event": "door knock", "start_time": "1:05.5", "end_time": "62s", "mode": "Ego",
 "sounding_object": {"description": "door", "is_static": "yes",
   "key_frames": [{"time": "1:02", "distance": "2 m", "direction": "left"},
                  {"time": "later", "distance": 1, "direction": 0},
                  {"time": "0:30", "distance": "-1", "direction": "-90 (left)"}]},
 "reference_object": "N/A", "facing_object": {"object_name": "N/A", "description": "Not applicable here"},
 "prediction": null, "confidence": 0.3,}
```
Let me know if you need more.'''
    d = parse_model_output(text)
    assert (d.start_s, d.end_s, d.mode, d.prediction) == (62.0, 65.5, Mode.EGOCENTRIC, '')
    assert [o.role for o in d.objects] == [Role.SOUNDING]
    frames = d.object(Role.SOUNDING).keyframes
    assert [k.time_s for k in frames] == [30.0, 62.0]
    assert math.isnan(frames[0].distance_m) and frames[0].azimuth_rad == pytest.approx(math.pi / 2)
    assert frames[1].distance_m == 2.0 and frames[1].azimuth_rad == pytest.approx(math.pi / 2)
    joined = ' | '.join(d.warnings)
    for expected in ('trailing commas', 'swapped', "word 'left'", "unreadable time 'later'", 'negative distance'):
        assert expected in joined


def test_python_literals_truncated_output_and_missing_window():
    d = parse_model_output("{'event': 'speech', 'mode': 'allocentric', 'sounding_object': {'description': 'man', "
                           "'is_static': False, 'key_frames': {'0:03': {'distance': 1.5, 'direction': 180}}}")
    assert d.object(Role.SOUNDING).is_static is False
    assert d.object(Role.SOUNDING).keyframes[0].azimuth_rad == pytest.approx(math.pi)
    assert math.isnan(d.start_s) and any('no readable event window' in w for w in d.warnings)
    truncated = parse_model_output('{"event": "knock", "start_time": "0:01", "end_time": "0:02", "mode": "egocentric", '
                                   '"sounding_object": {"description": "door", "key_frames": {"0:01": {"distance": 3')
    assert truncated.event == 'knock' and truncated.object(Role.SOUNDING).keyframes[0].distance_m == 3.0
    assert any('cut off' in w for w in truncated.warnings)
    mid_string = parse_model_output('{"event": "knock", "start_time": "0:01", "end_time": "0:02", "sounding_object": '
                                    '{"description": "door", "key_frames": {"0:01": {"distance": "3", "direc')
    assert mid_string.end_s == 2.0 and mid_string.object(Role.SOUNDING).description == 'door'


@pytest.mark.parametrize('text', ['', '   ', 'I cannot answer that.', '[1, 2, 3]', '{not json at all'])
def test_output_without_an_object_raises_a_specific_error(text):
    with pytest.raises(SnapshotParseError, match='model output|no JSON object'):
        parse_model_output(text)


@pytest.mark.parametrize('mode, expected', [('egocentric', Mode.EGOCENTRIC), (' Allocentric ', Mode.ALLOCENTRIC),
                                           ('relative to the camera wearer', Mode.EGOCENTRIC),
                                           ('standing by the sink facing the window', Mode.ALLOCENTRIC),
                                           ('egocentric or allocentric', Mode.UNKNOWN), (None, Mode.UNKNOWN)])
def test_mode_words(mode, expected):
    assert parse_model_output(json.dumps({'event': 'e', 'mode': mode})).mode is expected


def test_time_and_number_readers():
    assert clip_seconds('1:05') == 65.0 and clip_seconds('01:02:03') == 3723.0 and clip_seconds('00:07') == 7.0
    assert clip_seconds(12) == 12.0 and clip_seconds('4.5 sec') == 4.5 and math.isnan(clip_seconds('soon'))
    assert math.isnan(clip_seconds(True)) and math.isnan(clip_seconds(float('inf'))) and math.isnan(clip_seconds('-3'))
    assert loose_number('3.5 m') == 3.5 and loose_number('-90 (left)') == -90.0 and math.isnan(loose_number('N/A'))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300) | st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(['event', 'start_time', 'end_time', 'mode', 'sounding_object', 'key_frames',
                         'distance', 'direction', 'is_static', 'description', 'prediction', '0:01']), inner,
        max_size=6), max_leaves=30).map(lambda v: json.dumps(v) if not isinstance(v, str) else v))
def test_any_output_parses_or_raises_the_parse_error(text):
    try:
        d = parse_model_output(text)
    except SnapshotParseError:
        return
    assert (math.isnan(d.start_s) and math.isnan(d.end_s)) or 0.0 <= d.start_s <= d.end_s < math.inf
    for obj in d.objects:
        assert all(math.isnan(k.azimuth_rad) or -math.pi <= k.azimuth_rad <= math.pi for k in obj.keyframes)
        assert all(math.isnan(k.distance_m) or 0.0 <= k.distance_m < math.inf for k in obj.keyframes)
