"""A local multimodal model directory through transformers: AutoProcessor + the model's class.

`model_path` is a directory with the processor and weights (e.g. a LLaVA-style or Qwen2-VL
checkpoint the user downloaded); `model_class` names the transformers class that loads it
(default AutoModelForImageTextToText). Frames go to the processor as images; with `send_audio`
the clip audio is passed too (for processors that take audio). Generation is greedy, or seeded
sampling when temperature > 0, and stops at the request's timeout (max_time).
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from savvy_ros.snapshot.backends.base import (BackendError, BackendOptions, BackendRequest, BackendUnavailableError,
                                              SnapshotBackend)

os.environ.setdefault('HF_HUB_OFFLINE', '1')


def chat_messages(request: BackendRequest) -> list[dict[str, Any]]:
    frames = len(request.clip.frames) if request.clip is not None else 0
    return [{'role': 'system', 'content': [{'type': 'text', 'text': request.prompt.system}]},
            {'role': 'user', 'content': [*({'type': 'image'} for _ in range(frames)),
                                         {'type': 'text', 'text': request.prompt.text}]}]


class TransformersBackend(SnapshotBackend):
    name = 'transformers'

    def __init__(self, options: BackendOptions) -> None:
        path = Path(options.model_path).expanduser() if options.model_path else None
        if path is None or not path.is_dir():
            raise BackendUnavailableError(f'the transformers backend needs model_path, a local model directory '
                                          f'(got {options.model_path!r}, which is not a directory); nothing is '
                                          'downloaded')
        import torch
        import transformers

        model_class = getattr(transformers, options.model_class, None)
        if model_class is None or not hasattr(model_class, 'from_pretrained'):
            raise BackendUnavailableError(f'transformers has no model class {options.model_class!r}')
        try:
            self.processor = transformers.AutoProcessor.from_pretrained(str(path))
            self.network = model_class.from_pretrained(str(path), dtype=torch.float32)
        except (OSError, ValueError, KeyError) as exc:
            raise BackendUnavailableError(f'cannot load {path} with AutoProcessor + {options.model_class}: '
                                          f'{type(exc).__name__}: {exc}') from None
        self.network.eval()
        self.torch, self.options, self.path = torch, options, path
        self._lock = threading.Lock()   # one generation at a time per loaded model

    @property
    def model(self) -> str:
        return f'transformers:{self.options.model or self.path.name}'

    def _prompt_text(self, request: BackendRequest) -> str:
        messages = chat_messages(request)
        if getattr(self.processor, 'chat_template', None):
            return self.processor.apply_chat_template(messages, add_generation_prompt=True)
        images = ''.join(getattr(self.processor, 'image_token', '<image>') for _ in messages[1]['content'][:-1])
        return f'{request.prompt.system}\n\n{images}{request.prompt.text}\n'

    def generate(self, request: BackendRequest) -> str:
        torch = self.torch
        inputs: dict[str, Any] = {'text': [self._prompt_text(request)], 'return_tensors': 'pt'}
        images = request.clip.frame_images() if request.clip is not None else []
        if images:
            inputs['images'] = images
        if self.options.send_audio and request.clip is not None and request.clip.audio.size:
            inputs['audio'] = [request.clip.audio]
            inputs['sampling_rate'] = request.clip.audio_rate
        sampling = {'do_sample': True, 'temperature': self.options.temperature} if self.options.temperature > 0 \
            else {'do_sample': False}
        try:
            with self._lock, torch.inference_mode():
                encoded = self.processor(**inputs)
                torch.manual_seed(self.options.seed)
                output = self.network.generate(**encoded, max_new_tokens=self.options.max_tokens,
                                             max_time=request.timeout, **sampling)
        except (ValueError, TypeError, RuntimeError, IndexError) as exc:
            raise BackendError(f'{self.path.name}: generation failed: {type(exc).__name__}: {exc}') from None
        new_tokens = output[:, encoded['input_ids'].shape[1]:]
        return self.processor.batch_decode(new_tokens, skip_special_tokens=True)[0]
