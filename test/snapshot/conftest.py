import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[3] / 'shared' / 'fixtures' / 'savvy_release'


def _fixture(name: str) -> Path:
    path = FIXTURES / name
    if not path.is_file():
        pytest.skip(f'benchmark fixtures not found at {FIXTURES}')
    return path


@pytest.fixture(scope='session')
def sd_file() -> Path:
    """Real Gemini 2.5 Pro snapshot-descriptor outputs of the SAVVY release."""
    return _fixture('sd_gemini25_sample.json')


@pytest.fixture(scope='session')
def sd_entries(sd_file) -> dict:
    return json.loads(sd_file.read_text())


@pytest.fixture(scope='session')
def loc1_trajectory() -> dict:
    """The wearer's floor track of loc1_script2_seq1_rec1 (20 fps, keys '00001'..)."""
    return json.loads(_fixture('dense_traj_loc1_script2_seq1_rec1.json').read_text())


LOC1_ORIGIN = 380.47   # video_start_time of loc1_script2_seq1_rec1: clip time 0 on the questions' clock


@pytest.fixture(scope='session')
def loc1_pose(loc1_trajectory):
    """t [s, questions' clock] -> map_T_head: the recorded floor pose (nearest 20 fps frame), head 1.6 m up."""
    import math

    from savvy_ros.tf import Transform

    def pose(t: float) -> Transform:
        frame_number = min(len(loc1_trajectory), max(1, round((t - LOC1_ORIGIN) * 20.0) + 1))
        frame = loc1_trajectory[f'{frame_number:05d}']
        yaw = math.atan2(frame['forward_vec'][1], frame['forward_vec'][0])
        return Transform([*frame['loc'], 1.6], [0.0, 0.0, math.sin(yaw / 2), math.cos(yaw / 2)])
    return pose


class ScriptedEndpoint:
    """A real HTTP chat-completions endpoint whose replies are scripted (for failure injection).

    Each POST pops the next step: (status, text, delay_s). It records how many requests were in
    flight at once, and the request bodies.
    """

    def __init__(self, steps):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.steps, self.bodies, self.in_flight, self.max_in_flight = list(steps), [], 0, 0
        lock, endpoint = threading.Lock(), self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                import time
                body = json.loads(self.rfile.read(int(self.headers['Content-Length'])))
                with lock:
                    endpoint.bodies.append(body)
                    status, text, delay = endpoint.steps.pop(0) if endpoint.steps else (200, '{}', 0.0)
                    endpoint.in_flight += 1
                    endpoint.max_in_flight = max(endpoint.max_in_flight, endpoint.in_flight)
                time.sleep(delay)
                with lock:
                    endpoint.in_flight -= 1
                reply = {'choices': [{'message': {'role': 'assistant', 'content': text}}]} if status == 200 \
                    else {'error': {'message': text}}
                data = json.dumps(reply).encode()
                try:
                    self.send_response(status)
                    self.send_header('Content-Length', str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass   # the client gave up (timeout test)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = f'http://127.0.0.1:{self.server.server_address[1]}/v1'
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def scripted_endpoint():
    endpoints = []

    def make(steps):
        endpoints.append(ScriptedEndpoint(steps))
        return endpoints[-1]

    yield make
    for endpoint in endpoints:
        endpoint.close()
