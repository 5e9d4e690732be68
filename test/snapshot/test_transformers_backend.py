"""The transformers backend's loading and generation plumbing on a tiny, randomly initialised LLaVA.

The model, tokenizer and processor are built here from configs (nothing downloaded), saved to a
directory and loaded back by the backend exactly as a user's local checkpoint would be.
"""
from __future__ import annotations

import numpy as np
import pytest

from savvy_ros.snapshot.backends import BackendOptions, BackendRequest, create_backend
from savvy_ros.snapshot.clip import RollingBuffer
from savvy_ros.snapshot.describer import DescriberConfig, SnapshotDescriber
from savvy_ros.snapshot.parsing import SnapshotParseError
from savvy_ros.snapshot.prompt import build_prompt

CHAT_TEMPLATE = ("{% for m in messages %}{{ m['role'] }}: {% for c in m['content'] %}{% if c['type'] == 'image' %}"
                 "<image>{% else %}{{ c['text'] }}{% endif %}{% endfor %}\n{% endfor %}"
                 "{% if add_generation_prompt %}assistant:{% endif %}")


@pytest.fixture(scope='module')
def tiny_llava_dir(tmp_path_factory):
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import (CLIPImageProcessor, CLIPVisionConfig, LlamaConfig, LlavaConfig,
                              LlavaForConditionalGeneration, LlavaProcessor, PreTrainedTokenizerFast)

    words = ['<unk>', '<s>', '</s>', '<image>', '<pad>', *'-0123456789', *(f'w{i}' for i in range(40))]
    vocab = {w: i for i, w in enumerate(dict.fromkeys(words))}
    backend = Tokenizer(models.WordLevel(vocab, unk_token='<unk>'))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token='<unk>', bos_token='<s>', eos_token='</s>',
                                        pad_token='<pad>', extra_special_tokens={'image_token': '<image>'})
    processor = LlavaProcessor(image_processor=CLIPImageProcessor(size={'shortest_edge': 16},
                                                                  crop_size={'height': 16, 'width': 16}),
                               tokenizer=tokenizer, patch_size=8, vision_feature_select_strategy='full',
                               chat_template=CHAT_TEMPLATE, num_additional_image_tokens=1)
    config = LlavaConfig(
        vision_config=CLIPVisionConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
                                       image_size=16, patch_size=8, projection_dim=16),
        text_config=LlamaConfig(vocab_size=len(vocab), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=1024,
                                bos_token_id=1, eos_token_id=2, pad_token_id=4),
        image_token_index=vocab['<image>'], vision_feature_select_strategy='full', vision_feature_layer=-1)
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp('tiny_llava')
    processor.save_pretrained(folder)
    LlavaForConditionalGeneration(config).save_pretrained(folder)
    return folder


def clip_of(n_frames: int):
    buffer = RollingBuffer(frame_rate=1.0)
    for k in range(n_frames):
        buffer.add_frame(float(k), np.full((40, 60, 3), 40 * k, np.uint8))
    return buffer.clip(max_frames=n_frames)


def test_frames_reach_the_vision_tower_and_generation_is_deterministic(tiny_llava_dir):
    backend = create_backend('transformers', BackendOptions(model_path=str(tiny_llava_dir),
                                                            model_class='LlavaForConditionalGeneration', max_tokens=6))
    assert backend.model == f'transformers:{tiny_llava_dir.name}'
    images_seen: list[int] = []
    tower = next(m for name, m in backend.network.named_modules() if name.endswith('vision_tower'))
    tower.register_forward_hook(lambda module, args, kwargs_or_out: images_seen.append(int(args[0].shape[0]))
                                if args else None)
    clip = clip_of(3)
    request = BackendRequest('where is it?', '', build_prompt('where is it?', clip), clip, timeout=60.0)
    first = backend.generate(request)
    assert isinstance(first, str) and first.strip() and len(first.split()) <= 6
    assert images_seen and images_seen[0] == 3          # one image per clip frame
    assert backend.generate(request) == first           # greedy: same input, same output

    describer = SnapshotDescriber(backend, DescriberConfig(timeout=60.0, retries=0))
    with pytest.raises(SnapshotParseError, match='no JSON object'):   # the vocabulary has no braces: never JSON
        describer.describe('where is it?', clip)


def test_the_default_auto_class_loads_the_same_directory(tiny_llava_dir):
    backend = create_backend('transformers', BackendOptions(model_path=str(tiny_llava_dir), max_tokens=3))
    assert type(backend.network).__name__ == 'LlavaForConditionalGeneration'
    text_only = backend.generate(BackendRequest('q', '', build_prompt('q', None), None, timeout=60.0))
    assert isinstance(text_only, str)
