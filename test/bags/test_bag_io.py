"""Bag I/O: round trips through MCAP and sqlite3, CDR agreement with rclpy, other readers, errors."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from mcap.reader import make_reader
from message_samples import fill, interface_names, message_class
from rclpy.serialization import deserialize_message, serialize_message
from rosbags.highlevel import AnyReader

from savvy_ros.bags import BagReader, BagReadError, BagWriteError, BagWriter, savvy_typestore

SAVVY_TYPES = [f'savvy_ros/msg/{name}' for name in interface_names('msg')]
STD_TYPES = ['tf2_msgs/msg/TFMessage', 'rosgraph_msgs/msg/Clock', 'sensor_msgs/msg/Image']


def rclpy_sample(type_name: str, seed: int):
    package, _, name = type_name.split('/')
    return fill(message_class(f'{package}/{name}')(), np.random.default_rng(seed))


def to_rclpy(cdr: bytes, type_name: str) -> Any:
    # Byte equality is not the test: Fast DDS leaves CDR alignment padding uninitialised.
    package, _, name = type_name.split('/')
    return deserialize_message(cdr, message_class(f'{package}/{name}'))


def write_samples(path: Path, storage: str, seed: int = 0) -> dict[str, list[Any]]:
    """One topic per type, three rclpy samples each, written through rclpy's CDR and the typestore."""
    store = savvy_typestore()
    expected: dict[str, list[Any]] = {}
    with BagWriter(path, storage) as writer:
        for index, type_name in enumerate(SAVVY_TYPES + STD_TYPES):
            topic = f'/t{index}'
            writer.add_topic(topic, type_name, latched=type_name.startswith('tf2'))
            expected[topic] = []
            for k in range(3):
                sample = rclpy_sample(type_name, seed + 100 * index + k)
                writer.write(topic, 1_000 * k + index, store.deserialize_cdr(serialize_message(sample), type_name))
                expected[topic].append(sample)
    return expected


@pytest.mark.parametrize('storage', ['mcap', 'sqlite3'])
def test_every_type_round_trips_to_equal_rclpy_messages(tmp_path, storage):
    expected = write_samples(tmp_path / 'bag', storage)
    got: dict[str, list[Any]] = {}
    with BagReader(tmp_path / 'bag') as reader:
        assert reader.message_count == 3 * len(expected)
        stamps = []
        for item in reader.messages():
            stamps.append(item.stamp_ns)
            cdr = savvy_typestore().serialize_cdr(item.message, item.msgtype)
            got.setdefault(item.topic, []).append(to_rclpy(bytes(cdr), item.msgtype))
        assert stamps == sorted(stamps)
        assert reader.topics()['/t0'].count == 3
        tf_topic = f'/t{len(SAVVY_TYPES)}'
        assert reader.topics()[tf_topic].latched and not reader.topics()['/t0'].latched
    assert got == expected


def test_topic_filter_and_time_window(tmp_path):
    write_samples(tmp_path / 'bag', 'mcap')
    with BagReader(tmp_path / 'bag') as reader:
        items = list(reader.messages(topics=['/t1', '/t2'], start_ns=1, stop_ns=2_000))
        assert [(m.topic, m.stamp_ns) for m in items] == [('/t1', 1), ('/t2', 2), ('/t1', 1_001), ('/t2', 1_002)]
        with pytest.raises(BagReadError, match='no topic'):
            list(reader.messages(topics=['/absent']))


def test_bag_is_readable_by_rosbags_anyreader_and_by_mcap(tmp_path):
    expected = write_samples(tmp_path / 'bag', 'mcap')
    with AnyReader([tmp_path / 'bag']) as reader:  # builds its own types from the bag's definitions
        counts = {c.topic: c.msgcount for c in reader.connections}
        chunk = next(c for c in reader.connections if c.msgtype == 'savvy_ros/msg/AudioChunk')
        message = reader.deserialize(next(reader.messages([chunk]))[2], chunk.msgtype)
        assert message.data.dtype == np.float32
    assert counts == {topic: 3 for topic in expected}
    mcap_file = next((tmp_path / 'bag').glob('*.mcap'))
    with mcap_file.open('rb') as stream:
        seen: dict[str, list[bytes]] = {}
        schemas = set()
        for schema, channel, message in make_reader(stream).iter_messages(log_time_order=True):
            assert channel.message_encoding == 'cdr' and schema.encoding == 'ros2msg'
            schemas.add(schema.name)
            seen.setdefault(channel.topic, []).append(to_rclpy(message.data, schema.name))
    assert seen == expected
    assert set(SAVVY_TYPES) <= schemas


@pytest.mark.parametrize('storage', ['mcap', 'sqlite3'])
def test_same_input_gives_the_same_bytes(tmp_path, storage):
    digests = []
    for run in ('a', 'b'):
        write_samples(tmp_path / run / 'bag', storage)
        digests.append({f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in (tmp_path / run / 'bag').iterdir()})
    assert digests[0] == digests[1]


def test_writer_rejects_misuse_with_errors_naming_the_topic(tmp_path):
    store = savvy_typestore()
    clock = store.types['rosgraph_msgs/msg/Clock'](clock=store.types['builtin_interfaces/msg/Time'](sec=1, nanosec=0))
    with BagWriter(tmp_path / 'bag') as writer:
        writer.add_topic('/clock', 'rosgraph_msgs/msg/Clock')
        with pytest.raises(BagWriteError, match='/other'):
            writer.write('/other', 0, clock)
        with pytest.raises(BagWriteError, match='already'):
            writer.add_topic('/clock', 'rosgraph_msgs/msg/Clock')
        with pytest.raises(BagWriteError, match='not in the type store'):
            writer.add_topic('/x', 'nope_msgs/msg/Nope')
        writer.add_topic('/tf', 'tf2_msgs/msg/TFMessage')
        with pytest.raises(BagWriteError, match='carries tf2_msgs/msg/TFMessage'):
            writer.write('/tf', 0, clock)
        writer.write('/clock', 5, clock)
    with pytest.raises(BagWriteError, match='exists'):
        BagWriter(tmp_path / 'bag')
    with pytest.raises(BagWriteError, match='storage'):
        BagWriter(tmp_path / 'other', storage='rosbag1')  # type: ignore[arg-type]
    with BagReader(tmp_path / 'bag') as reader:
        assert [m.stamp_ns for m in reader.messages()] == [5]


def test_missing_and_corrupt_bags_raise_errors_naming_the_file(tmp_path):
    with pytest.raises(BagReadError, match='not found.*nowhere'):
        BagReader(tmp_path / 'nowhere')
    write_samples(tmp_path / 'bag', 'mcap')
    mcap_file = next((tmp_path / 'bag').glob('*.mcap'))
    data = mcap_file.read_bytes()
    mcap_file.write_bytes(data[: len(data) // 2])  # truncated mid-chunk, summary lost
    with pytest.raises(BagReadError, match=str(tmp_path / 'bag')):
        with BagReader(tmp_path / 'bag') as reader:
            list(reader.messages())
    (tmp_path / 'garbage.mcap').write_bytes(b'not an mcap file at all')
    with pytest.raises(BagReadError, match='garbage.mcap'):
        BagReader(tmp_path / 'garbage.mcap').open()


def test_bag_with_a_foreign_type_is_decoded_from_its_own_definition(tmp_path):
    from rosbags.rosbag2 import StoragePlugin, Writer
    from rosbags.typesys import get_types_from_msg, get_typestore, Stores
    foreign = get_typestore(Stores.EMPTY)
    foreign.register(get_types_from_msg('float64 reading  # [m]\nstring where\n', 'acme_msgs/msg/Gauge'))
    gauge = foreign.types['acme_msgs/msg/Gauge'](reading=2.5, where='lab')
    with Writer(tmp_path / 'bag', version=9, storage_plugin=StoragePlugin.MCAP) as writer:
        conn = writer.add_connection('/gauge', 'acme_msgs/msg/Gauge', typestore=foreign)
        writer.write(conn, 7, foreign.serialize_cdr(gauge, 'acme_msgs/msg/Gauge'))
    with BagReader(tmp_path / 'bag') as reader:
        (item,) = list(reader.messages())
    assert (item.message.reading, item.message.where) == (2.5, 'lab')
    assert 'acme_msgs/msg/Gauge' not in savvy_typestore().types  # the shared store stays untouched


def test_a_bare_mcap_file_reads_like_its_bag(tmp_path):
    expected = write_samples(tmp_path / 'bag', 'mcap')
    with BagReader(next((tmp_path / 'bag').glob('*.mcap'))) as reader:
        assert {t: s.count for t, s in reader.topics().items()} == {t: 3 for t in expected}
        assert reader.custom_data == {}
        assert sum(1 for _ in reader.messages()) == 3 * len(expected)
