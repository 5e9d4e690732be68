#!/usr/bin/env python3
"""Latency of the spatial question service (/savvy/ask) on a 1,000-object map.

Starts the real QA node (Fast DDS, localhost, its own domain), publishes a seeded map of 1,000
objects (900 static, 100 moving), 60 heard events and a 60 s body path, then asks a mix of bench
and free questions:
  * core:   SpatialQA.ask in-process (no DDS), one at a time;
  * 1 client, and 32 concurrent clients (open loop: Poisson arrivals at --rate requests/s in
    total, each request from the next of 32 service clients), measured from call to response;
  * saturation: 32 clients each asking again as soon as answered (closed loop): throughput.
Targets (issue 6): with 32 concurrent clients p50 <= 5 ms, p99 <= 20 ms.

Run: .venv/bin/python bench/bench_qa_service.py [--requests 1500] [--rate 150] [--domain 77]
"""
from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

LABELS = ['chair', 'sofa', 'tv', 'kettle', 'cup', 'bottle', 'laptop', 'person', 'dog', 'cat', 'door', 'window',
          'dining table', 'sink', 'oven', 'microwave', 'refrigerator', 'book', 'clock', 'vase', 'potted plant', 'bed',
          'lamp', 'speaker']
QUESTIONS = [
    ('how far is the kettle from the sofa?', []),
    ('where is the tv?', []),
    ('is the dog to my left?', []),
    ('how far is the wooden chair from me?', []),
    ('where was the sound source when the knocking door sound comes up?', ['A: left', 'B: right', 'C: back']),
    ('Imagine you are the camera wearer, when the speech topic "offering a drink" comes up, relative to where you are '
     'facing, where is the other person: front-left, front-right, back-left, or back-right?',
     ['A: front-left', 'B: front-right', 'C: back-left', 'D: back-right']),
    ('Imagine you are a robot standing by the sink and facing the window, when the knocking door sound comes up, '
     'relative to where you are facing, where is the sounding object?',
     ['A: front-left', 'B: front-right', 'C: back-left', 'D: back-right']),
    ('When the speech topic: "offering a drink" is mentioned, what is the distance between the oven and the speech '
     'sound source in meters?', []),
    ('where was the cat when the siren sound was heard?', []),
    ('how far is the refrigerator from the dining table?', []),
]


def build_map(seed: int = 0):
    from savvy_ros.mapping.map_view import MapEventView, MapObjectView, MapView

    rng = np.random.default_rng(seed)
    objects = []
    for i in range(1000):
        label = LABELS[i % len(LABELS)]
        if i < 900:
            times, positions = np.zeros(0), np.zeros((0, 3))
            position = np.array([*rng.uniform(-10, 10, 2), 0.5])
        else:
            times = np.linspace(0.0, 60.0, 121)
            start, velocity = rng.uniform(-8, 8, 2), rng.uniform(-0.2, 0.2, 2)
            positions = np.column_stack([start + np.outer(times, velocity), np.full(times.size, 0.5)])
            position = positions[-1]
        objects.append(MapObjectView(i + 1, label, [], i < 900, i % 10 == 0, position, np.eye(3) * 0.02, times,
                                     positions, 0.0, 60.0, frozenset({'vision'}), 20))
    events = []
    for k in range(60):
        start = k * 1.0
        if k % 3 == 0:
            events.append(MapEventView(2000 + k, 'speech', start, start + 0.8, 'Would you like something to drink?',
                                       ['Speech'], [0.9], 1 + (k * 7) % 1000, 0.8, None))
        else:
            labels = ['Knock', 'Door'] if k % 3 == 1 else ['Siren', 'Civil defense siren']
            events.append(MapEventView(2000 + k, 'sound', start, start + 0.5, '', labels, [0.8, 0.4],
                                       1 + (k * 13) % 1000, 0.7, None))
    times = np.linspace(0.0, 60.0, 601)
    body = np.column_stack([np.cos(times / 10), np.sin(times / 10), np.full(times.size, 1.6)])
    return MapView('map', 60.0, objects, events, 'head', times, body, times / 10 + np.pi / 2)


def percentiles(latencies_s: list[float]) -> tuple[float, float, float, float]:
    ms = np.asarray(latencies_s) * 1e3
    return (float(np.percentile(ms, 50)), float(np.percentile(ms, 90)), float(np.percentile(ms, 99)),
            float(ms.max()))


def core_latency(view, n: int) -> list[float]:
    from savvy_ros.qa.phrase_matcher import EmbeddingPhraseMatcher
    from savvy_ros.qa.spatial_qa import AskRequest, SpatialQA

    qa = SpatialQA(EmbeddingPhraseMatcher())
    for question, options in QUESTIONS:   # warm the embedding cache, as a running service would be
        qa.ask(AskRequest(question, options), view)
    latencies = []
    for i in range(n):
        question, options = QUESTIONS[i % len(QUESTIONS)]
        t0 = time.perf_counter()
        qa.ask(AskRequest(question, options), view)
        latencies.append(time.perf_counter() - t0)
    return latencies


class ServiceLoad:
    def __init__(self, node, executor, n_clients: int) -> None:
        from savvy_ros.ros.ask_client import AskClient
        self.node, self.executor = node, executor
        self.clients = [AskClient(node) for _ in range(n_clients)]
        self.latencies: list[float] = []
        self.failures = 0

    def _send(self, k: int, i: int):
        from savvy_ros.qa.spatial_qa import AskRequest
        question, options = QUESTIONS[i % len(QUESTIONS)]
        sent = time.perf_counter()
        future = self.clients[k].call_async(AskRequest(question, options))

        def done(f, sent=sent):
            self.latencies.append(time.perf_counter() - sent)
            self.failures += 0 if f.result() is not None and f.result().success else 1
        future.add_done_callback(done)
        return future

    def open_loop(self, n: int, rate: float, seed: int = 1) -> float:
        """Poisson arrivals at `rate` req/s, spread round-robin over the clients; returns wall time."""
        arrivals = np.cumsum(np.random.default_rng(seed).exponential(1.0 / rate, n))
        start = time.perf_counter()
        futures = []
        for i, at in enumerate(arrivals):
            while time.perf_counter() - start < at:
                self.executor.spin_once(timeout_sec=max(0.0, min(0.001, at - (time.perf_counter() - start))))
            futures.append(self._send(i % len(self.clients), i))
        deadline = time.perf_counter() + 30.0
        while not all(f.done() for f in futures) and time.perf_counter() < deadline:
            self.executor.spin_once(timeout_sec=0.001)
        self.failures += sum(not f.done() for f in futures)   # lost: never answered
        return time.perf_counter() - start

    def closed_loop(self, n: int) -> float:
        start = time.perf_counter()
        sent = 0
        active = {}
        for k in range(len(self.clients)):
            active[k] = self._send(k, sent)
            sent += 1
        deadline = time.perf_counter() + 30.0 + n * 0.05
        while active and time.perf_counter() < deadline:
            self.executor.spin_once(timeout_sec=0.001)
            for k, future in list(active.items()):
                if future.done():
                    del active[k]
                    if sent < n:
                        active[k] = self._send(k, sent)
                        sent += 1
        self.failures += len(active)
        return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--requests', type=int, default=1500)
    parser.add_argument('--rate', type=float, default=150.0, help='open-loop arrivals, all clients together [1/s]')
    parser.add_argument('--clients', type=int, default=32)
    parser.add_argument('--domain', type=int, default=77, help='ROS_DOMAIN_ID for this benchmark')
    args = parser.parse_args()
    os.environ['ROS_DOMAIN_ID'] = str(args.domain)
    os.environ['ROS_AUTOMATIC_DISCOVERY_RANGE'] = 'LOCALHOST'

    import rclpy
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node

    from savvy_ros.msg import GlobalMap
    from savvy_ros.nodes.qa_node import MAP_QOS
    from savvy_ros.qa.spatial_qa import AskRequest
    from savvy_ros.ros.ask_client import AskClient
    from savvy_ros.ros.map_messages import map_view_to_global_map

    view = build_map()
    rows = [('core (in-process, no DDS)', 1, *percentiles(core_latency(view, args.requests)), float('nan'))]

    server = subprocess.Popen([sys.executable, '-m', 'savvy_ros.nodes.qa_node'], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, env=dict(os.environ, PYTHONUNBUFFERED='1'))
    rclpy.init()
    node = Node('bench_qa_clients')
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    try:
        publisher = node.create_publisher(GlobalMap, '/savvy/map', MAP_QOS)
        publisher.publish(map_view_to_global_map(view, revision=1))
        probe = AskClient(node)
        probe.wait(120.0)
        deadline = time.monotonic() + 60.0
        while not probe.ask(AskRequest(*QUESTIONS[0]), executor, 30.0).success:
            if time.monotonic() > deadline:
                raise RuntimeError('the QA node never answered from the published map')
            time.sleep(0.2)
        for question, options in QUESTIONS:   # warm-up: model caches filled, as in steady operation
            probe.ask(AskRequest(question, options), executor, 30.0)
        # The load generator must not pause itself: this process holds the core phase's model and the
        # 1,000-object map, and each full collection of them stalled its executor for 0.25-0.3 s, which
        # the open loop measured as the service's p99 (38-110 ms; 10-11 ms with this process's cyclic GC
        # off, the service's untouched). Frozen, the long-lived heap is left out of collections.
        gc.collect()
        gc.freeze()

        single = ServiceLoad(node, executor, 1)
        wall = single.closed_loop(min(args.requests, 500))
        rows.append(('service, 1 client, back to back', 1, *percentiles(single.latencies),
                     len(single.latencies) / wall))
        load = ServiceLoad(node, executor, args.clients)
        wall = load.open_loop(args.requests, args.rate)
        rows.append((f'service, {args.clients} clients, open loop {args.rate:g}/s', args.clients,
                     *percentiles(load.latencies), len(load.latencies) / wall))
        saturate = ServiceLoad(node, executor, args.clients)
        wall = saturate.closed_loop(args.requests)
        rows.append((f'service, {args.clients} clients, saturating', args.clients, *percentiles(saturate.latencies),
                     len(saturate.latencies) / wall))
        failures = single.failures + load.failures + saturate.failures
    finally:
        executor.shutdown()
        node.destroy_node()
        rclpy.try_shutdown()
        server.terminate()
        server.wait(timeout=20)

    print(f'\nQA service latency: map of {len(view.objects)} objects, {len(view.events)} events, '
          f'{len(QUESTIONS)} question forms; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores')
    print(f'{"setting":45s} {"clients":>7s} {"p50 ms":>8s} {"p90 ms":>8s} {"p99 ms":>8s} {"max ms":>8s} {"req/s":>8s}')
    for name, clients, p50, p90, p99, worst, throughput in rows:
        print(f'{name:45s} {clients:7d} {p50:8.2f} {p90:8.2f} {p99:8.2f} {worst:8.2f} {throughput:8.1f}')
    open_row = rows[2]
    print(f'targets (32 clients): p50 <= 5 ms: {open_row[2]:.2f} ms ({"met" if open_row[2] <= 5 else "NOT met"}); '
          f'p99 <= 20 ms: {open_row[4]:.2f} ms ({"met" if open_row[4] <= 20 else "NOT met"}); '
          f'unanswered requests: {failures}')
    return 0


if __name__ == '__main__':
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    raise SystemExit(main())
