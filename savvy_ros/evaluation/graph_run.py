"""One evaluation run: the node graph in its own processes, the bag played into it, every question
asked through /savvy/ask by a separate client, as a user would.

Each node runs in a process of its own (true parallelism on a small machine; the same
executables and parameter file as the launch file) with use_sim_time; the player publishes
/clock. After the bag, the run waits for the graph to settle (the map stops changing), then asks.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from savvy_ros.bringup.node_table import read_executables
from savvy_ros.evaluation.report import options_of
from savvy_ros.monitoring.process_cpu import cpu_used, process_cpu_seconds
from savvy_ros.replay.replay_params import node_param_args, replay_settings
from savvy_ros.ros.domain_claim import claim_free_domain_id
from savvy_ros.ros.executors import PLAYER_EXECUTOR

# Which nodes each modality needs; the map and the QA service always run.
MODALITY_NODES: dict[str, tuple[str, ...]] = {
    'audio': ('doa_node',), 'vision': ('vision_node',), 'hearing': ('hearing_node',), 'snapshot': ('snapshot_node',),
}
ALWAYS = ('map_node', 'qa_node')
MODALITIES = tuple(MODALITY_NODES)


class GraphRunError(RuntimeError):
    """The node graph could not be started or did not answer; the message says which part."""


@dataclass(frozen=True)
class RunConfig:
    name: str                              # e.g. 'all', 'audio', 'vision'
    modalities: frozenset[str]
    rate: float = 1.0                      # bag playback rate (x real time)
    oracle_window: bool = False            # give the questions' true event windows to the service
    best_guess: bool = True                # ask for an answer even below the grounding thresholds
    domain_id: int | None = None           # DDS domain of the graph; None = a free one claimed for this run
    startup_timeout: float = 120.0         # [s] for every node to come up (models load)
    settle_time: float = 3.0               # [s] of an unchanging map before asking
    # (node, parameter, value) set on top of the parameter file and the episode's own settings
    node_params: tuple[tuple[str, str, str], ...] = ()
    executor: str | None = None            # rclpy executor of every node; None = config/replay.yaml's
    player_executor: str = PLAYER_EXECUTOR  # rclpy executor taking the player's acknowledgements


# [s] A consumer this slow is still working (Whisper on a loaded CPU takes seconds per segment);
# only a node that left the graph is stopped being waited for sooner.
ACK_TIMEOUT_S = 60.0
# Every node of the graph queues at least 10 inputs, so three in flight fit: the next input waits in a node's
# queue while it works, hiding the player's hand-over latency. Three, not two, because the vision node takes
# a frame as two messages (image, camera_info): with two its next frame was never whole in its queue
# (2026-11-30, demo at rate 0 on 2 cores: medians 4.40x over 6 replays with two, 4.75x over 11 with three,
# every answer identical to 1x; four no better). Look-ahead lets a free node run up to 1 s of
# bag time ahead of a busy one (the hearing node transcribing) while /clock waits. Demo at rate 0 with the
# detector in OpenVINO: 1.86x in bag order, 2.28-2.40x with both; 11 replays with them (2026-11-29) gave
# every value bit-identical to the 1x replay. (On 2026-11-27 one replay in four had answered 5e-6 deg off;
# the hearing node has since learnt to wait for its last bearings, a race of the same size. Not seen since;
# test_replay_rate_independence watches for it.)
IN_FLIGHT = 3
LOOKAHEAD_S = 1.0
QA_MAP_TIMEOUT_S = 10.0   # [s] for the QA service to answer from the map the eval client already has


@dataclass(frozen=True)
class StreamNode:
    """A node whose inputs pace a replay (savvy_ros/replay/acknowledgement.py)."""

    name: str      # fully qualified: the player waits for it to declare its inputs before the first message
    input: str     # a topic it reads: its subscription must exist before then too


STREAM_NODES = {'doa_node': StreamNode('/savvy_doa', '/mic_array/audio'),
                'hearing_node': StreamNode('/savvy_hearing', '/mic_array/audio'),
                'vision_node': StreamNode('/savvy_vision', '/camera/image_raw'),
                'map_node': StreamNode('/savvy_map', '/tf')}
CLOCK_TAIL_S = 3.0   # [s] of /clock after the bag: sim-time flushes (hearing's last segment) happen


@dataclass
class RunOutput:
    responses: list[dict[str, Any]]        # one per question, savvy_ros.ros.ask_client.response_to_dict
    final_map: Any | None                  # the last GlobalMap received (savvy_ros.msg.GlobalMap)
    play_seconds: float                    # wall time of playing the bag's messages (no discovery, no tail)
    bag_seconds: float                     # bag time played
    node_cpu_seconds: dict[str, float] = field(default_factory=dict)   # node executable -> CPU s while playing
    logs: dict[str, str] = field(default_factory=dict)   # node executable -> its output
    ack_timeouts: dict[str, int] = field(default_factory=dict)  # node -> messages played without its ack


def unknown_modalities(modalities: frozenset[str]) -> str:
    """Why `modalities` names something no run can start ('' when each is known)."""
    unknown = sorted(modalities - set(MODALITY_NODES))
    return f'unknown modalities {unknown}; known: {", ".join(MODALITIES)}' if unknown else ''


def nodes_for(modalities: frozenset[str]) -> list[str]:
    if why := unknown_modalities(modalities):
        raise GraphRunError(why)
    wanted = [n for m in MODALITIES if m in modalities for n in MODALITY_NODES[m]] + list(ALWAYS)
    available = {e.executable: e for e in read_executables()}
    missing = [n for n in wanted if n not in available]
    if missing:
        raise GraphRunError(f'this installation has no {", ".join(missing)} (config/executables.txt)')
    return wanted


def start_nodes(executables: Sequence[str], params_file: Path, log_dir: Path,
                overrides: dict[str, dict[str, dict[str, str]]] | None = None,
                node_params: Sequence[tuple[str, str, str]] = (),
                executor: str | None = None) -> dict[str, subprocess.Popen]:
    """One process per executable; config/replay.yaml, then `overrides` (executable -> node -> parameter
    values), then `node_params` ((node, parameter, value) given to every process, a node takes those of
    its own name) over the parameter file; `executor`: every node's `executor` parameter (None: each
    node's in config/replay.yaml, else the parameter file's)."""
    modules = {e.executable: e.module for e in read_executables()}
    # One executor chosen for every node: replay.yaml's own per node would win over a bare -p.
    replay = replay_settings(without=frozenset({'executor'}) if executor else frozenset())
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    processes = {}
    log_dir.mkdir(parents=True, exist_ok=True)
    for name in executables:
        log = open(log_dir / f'{name}.log', 'w')  # noqa: SIM115 - closed with the process in stop_nodes
        settings = replay + [(node, key, value) for node, values in (overrides or {}).get(
            name, {}).items() for key, value in values.items()] + list(node_params)
        extra = node_param_args(settings)
        everyone = ['-p', f'executor:={executor}'] if executor else []
        processes[name] = subprocess.Popen(
            [sys.executable, '-m', modules[name], '--ros-args', '--params-file', str(params_file),
             '-p', 'use_sim_time:=true', *everyone, *extra],
            env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
        processes[name].log_file = log  # type: ignore[attr-defined]
    return processes


STOP_TIMEOUT = 15.0  # [s] a node's grace after SIGTERM before it is killed


def stop_nodes(processes: dict[str, subprocess.Popen], log_dir: Path) -> dict[str, str]:
    for process in processes.values():
        if process.poll() is None:
            process.terminate()
    logs = {}
    for name, process in processes.items():
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            if hasattr(signal, 'SIGUSR1'):   # node executables dump their threads' stacks on SIGUSR1
                process.send_signal(signal.SIGUSR1)
                time.sleep(1.0)
            process.kill()
            process.wait()
            # Said in its log: a killed process cannot remove its Fast DDS segment from /dev/shm.
            process.log_file.write(f'[savvy-ros eval] {name} did not exit within {STOP_TIMEOUT:g} s of SIGTERM: '
                                   'killed (its /dev/shm/fastdds_* files may be left behind)\n')
        process.log_file.close()  # type: ignore[attr-defined]
        logs[name] = (log_dir / f'{name}.log').read_text(errors='replace')
    return logs


_claimed: list[int] = []


def graph_domain(requested: int | None) -> int:
    """The evaluation graph's DDS domain, exported for the node processes: a private one by
    default, so that a replay never talks to a live robot (domain 0) or another evaluation."""
    if requested is None:
        if not _claimed:
            _claimed.append(claim_free_domain_id())
        requested = _claimed[0]
        os.environ['ROS_AUTOMATIC_DISCOVERY_RANGE'] = 'LOCALHOST'
    os.environ['ROS_DOMAIN_ID'] = str(requested)
    return requested


def run_graph(bag: Path, questions: list[dict[str, Any]], config: RunConfig, params_file: Path, log_dir: Path,
              progress: Callable[[str, int, int], None] = lambda stage, done, total: None,
              overrides: dict[str, dict[str, dict[str, str]]] | None = None) -> RunOutput:
    """Start the graph, play `bag`, ask every question; the graph is stopped whatever happens."""
    import rclpy
    from rclpy.context import Context
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node

    from savvy_ros.msg import GlobalMap
    from savvy_ros.nodes.qa_node import MAP_QOS
    from savvy_ros.qa.spatial_qa import AskRequest
    from savvy_ros.replay.play import play_bag
    from savvy_ros.replay.player import PlayOptions
    from savvy_ros.ros.ask_client import AskClient, response_to_dict
    from savvy_ros.ros.dds_profile import use_savvy_dds_profile

    # The player and the nodes on the same Fast DDS transports (the CLI does this at start; a script calling
    # the evaluator may not): with the stock 512 KiB shared-memory segment the player's images went by
    # UDP fragments and a replay as fast as possible crawled from one acknowledgement timeout to the next.
    use_savvy_dds_profile()
    executables = nodes_for(config.modalities)
    domain = graph_domain(config.domain_id)
    processes = start_nodes(executables, params_file, log_dir, overrides, config.node_params, config.executor)
    context = Context()
    # Player and question client on wall time: neither reads the bag's clock (the player publishes it).
    rclpy.init(args=['savvy-ros-eval'], context=context, domain_id=domain)
    client_node = Node('savvy_eval_client', context=context)
    executor = SingleThreadedExecutor(context=context)
    executor.add_node(client_node)
    latest: dict[str, Any] = {'map': None, 'changed': time.monotonic()}

    def on_map(msg) -> None:
        if latest['map'] is None or msg.revision != latest['map'].revision:
            latest['changed'] = time.monotonic()
        latest['map'] = msg

    client_node.create_subscription(GlobalMap, '/savvy/map', on_map, MAP_QOS)
    client = AskClient(client_node)
    try:
        progress('starting nodes', 0, len(executables))
        _wait_for_qa_service(client, processes, config.startup_timeout, log_dir)
        _wait_for_subscribers(client_node, executor, config.startup_timeout, processes, log_dir)
        progress('starting nodes', len(executables), len(executables))
        cpu_before = {name: process_cpu_seconds(p.pid) for name, p in processes.items()}
        # Flow control: the player waits for the acknowledging nodes, so a slow node is never fed
        # faster than it can take (the rate is then an upper bound).
        result = play_bag(bag, PlayOptions(rate=config.rate, flow_control=True, tail_s=CLOCK_TAIL_S,
                                           in_flight=IN_FLIGHT,
                                           lookahead_s=LOOKAHEAD_S if config.rate == 0.0 else 0.0),
                          context=context, ack_timeout_s=ACK_TIMEOUT_S, executor=config.player_executor,
                          wait_for=tuple(STREAM_NODES[n].name for n in processes if n in STREAM_NODES))
        check_paced(result.unmatched, log_dir)
        node_cpu = cpu_used(cpu_before, {name: process_cpu_seconds(p.pid) for name, p in processes.items()})
        play_seconds = result.stats.messages_wall_s
        deadline = time.monotonic() + 60.0
        while time.monotonic() < deadline and (
                latest['map'] is None or time.monotonic() - latest['changed'] < config.settle_time):
            executor.spin_once(timeout_sec=0.1)
        if latest['map'] is not None and questions:
            _check_qa_has_map(client, executor, questions[0], config.best_guess, latest['map'].revision, log_dir)
        responses = []
        for k, item in enumerate(questions):
            window = (float(item['start_frame']), float(item['end_frame'])) if config.oracle_window else None
            request = AskRequest(str(item['question']), list(options_of(item)), window, best_guess=config.best_guess)
            try:
                responses.append(response_to_dict(client.ask(request, executor, 30.0)))
            except TimeoutError as exc:
                responses.append({'success': False, 'error': str(exc), 'answer': ''})
            progress('asking', k + 1, len(questions))
        return RunOutput(responses, latest['map'], play_seconds, result.stats.bag_time_s, node_cpu,
                         ack_timeouts=dict(result.flow.ack_timeouts))
    finally:
        executor.shutdown()
        client_node.destroy_node()
        rclpy.try_shutdown(context=context)
        stop_nodes(processes, log_dir)


def _wait_for_qa_service(client, processes: dict[str, subprocess.Popen], timeout: float, log_dir: Path) -> None:
    """Until the QA service is up (the QA node is the slowest to load: embeddings); GraphRunError at once
    when the QA node exits first (a bad parameter file, a missing model), else after `timeout`."""
    from savvy_ros.ros.ask_client import AskServiceUnavailable

    deadline = time.monotonic() + timeout
    while True:
        try:
            client.wait(min(1.0, max(deadline - time.monotonic(), 0.0)))
            return
        except AskServiceUnavailable as exc:
            dead = [n for n, p in processes.items() if p.poll() is not None]
            if 'qa_node' in dead or time.monotonic() >= deadline:
                reason = 'the QA node exited before its service came up' if 'qa_node' in dead else \
                    f'no {client.service_name} service appeared within {timeout:g} s'
                raise GraphRunError(f'{reason}; exited early: {", ".join(dead) or "none"} '
                                    f'(logs in {log_dir}){last_error_line(log_dir, dead)}') from exc


def last_error_line(log_dir: Path, nodes: Sequence[str]) -> str:
    """'; <node>: <its last log line>' of the first exited node whose log says something, else ''."""
    for node in nodes:
        log = log_dir / f'{node}.log'
        try:
            lines = [line.strip() for line in log.read_text(errors='replace').splitlines() if line.strip()]
        except OSError:
            continue
        if lines:
            return f'; {node}: {lines[-1][:300]}'
    return ''


def _check_qa_has_map(client, executor, question: dict[str, Any], best_guess: bool, revision: int,
                      log_dir: Path) -> None:
    """GraphRunError unless the QA service answers from a map (one question asked as a probe)."""
    from savvy_ros.qa.spatial_qa import AskRequest

    probe = AskRequest(str(question['question']), list(options_of(question)), best_guess=best_guess)

    def probe_error() -> str:
        try:
            return client.ask(probe, executor, 30.0).error_code
        except TimeoutError as exc:
            raise GraphRunError(f'the QA service did not answer: {exc} (logs in {log_dir})') from exc
    if not qa_answers_from_a_map(probe_error, lambda seconds: executor.spin_once(timeout_sec=seconds),
                                 QA_MAP_TIMEOUT_S):
        raise GraphRunError(f'the QA node has no map (it answers "empty_map") {QA_MAP_TIMEOUT_S:g} s after the map '
                            f'node published revision {revision} (logs in {log_dir})')


def qa_answers_from_a_map(error_code: Callable[[], str], wait: Callable[[float], None], timeout: float,
                          clock: Callable[[], float] = time.monotonic) -> bool:
    """Probe (`error_code` asks one question) until the QA service answers from a map, not
    'empty_map'; False after `timeout` s. The eval client holding a map while the service has none
    means the service's subscription lost it: its answers would all be 'no map', scored 0 as if wrong."""
    deadline = clock() + timeout
    while True:
        if error_code() != 'empty_map':
            return True
        if clock() >= deadline:
            return False
        wait(0.5)


def check_paced(unmatched: dict[str, set[str]], log_dir: Path) -> None:
    """GraphRunError when consumers never matched the player (topic -> nodes): it played without waiting
    for them, so they may have missed messages and the answers are not the replay's."""
    if unmatched:
        named = '; '.join(f'{topic}: {", ".join(sorted(nodes))}' for topic, nodes in sorted(unmatched.items()))
        raise GraphRunError(f'consumers never matched the player within {ACK_TIMEOUT_S:g} s, so it could not wait '
                            f'for them: {named} (logs in {log_dir})')


def _wait_for_subscribers(node, executor, timeout: float, processes: dict[str, subprocess.Popen],
                          log_dir: Path) -> None:
    """Every input topic the running nodes read has its subscriber before the first message."""
    topics = {STREAM_NODES[n].input for n in processes if n in STREAM_NODES}
    deadline = time.monotonic() + timeout
    while True:
        missing = [t for t in topics if node.count_subscribers(t) == 0]
        dead = [n for n, p in processes.items() if p.poll() is not None]
        if dead:
            raise GraphRunError(f'node(s) {", ".join(dead)} exited during start-up (logs in {log_dir})')
        if not missing:
            return
        if time.monotonic() > deadline:
            raise GraphRunError(f'no subscriber on {", ".join(missing)} after {timeout:g} s (logs in {log_dir})')
        executor.spin_once(timeout_sec=0.2)
