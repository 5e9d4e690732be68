"""open_vocab backend: loading and post-processing with a tiny randomly initialised OWLv2.

The weights are random (built here from a config, nothing downloaded), so only the plumbing is
checked: loading from a directory, queries in, boxes in image pixels out, one box per object.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from savvy_ros.vision.detector import DetectorConfig, DetectorUnavailableError, create_detector

QUERIES = ('a cat', 'a cup')


def write_tiny_owlv2(directory) -> None:
    import torch
    from transformers import CLIPTokenizer, Owlv2Config, Owlv2ForObjectDetection, Owlv2ImageProcessor, Owlv2Processor

    letters = [chr(c) for c in range(ord('a'), ord('z') + 1)]
    # OWL masks out queries whose first token id is 0, so id 0 must not be the start token (as in CLIP).
    tokens = ['!', '<|startoftext|>', '<|endoftext|>'] + letters + [f'{c}</w>' for c in letters]
    (directory / 'vocab.json').write_text(json.dumps({t: i for i, t in enumerate(tokens)}))
    (directory / 'merges.txt').write_text('#version: 0.2\n')
    tokenizer = CLIPTokenizer(str(directory / 'vocab.json'), str(directory / 'merges.txt'), model_max_length=16)
    processor = Owlv2Processor(Owlv2ImageProcessor(size={'height': 64, 'width': 64}), tokenizer)
    config = Owlv2Config(
        text_config={'vocab_size': len(tokens), 'hidden_size': 32, 'intermediate_size': 37, 'num_hidden_layers': 1,
                     'num_attention_heads': 2, 'max_position_embeddings': 16, 'bos_token_id': 1,
                     'eos_token_id': 2, 'pad_token_id': 2},
        vision_config={'hidden_size': 32, 'intermediate_size': 37, 'num_hidden_layers': 1, 'num_attention_heads': 2,
                       'image_size': 64, 'patch_size': 16},
        projection_dim=32)
    torch.manual_seed(0)
    model = Owlv2ForObjectDetection(config).eval()
    with torch.no_grad():  # make every box score: the test is about post-processing, not accuracy
        model.class_head.logit_shift.bias.fill_(5.0)
    model.save_pretrained(directory)
    processor.save_pretrained(directory)


@pytest.fixture(scope='module')
def model_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp('tiny_owlv2')
    write_tiny_owlv2(directory)
    return directory


def test_tiny_model_loads_and_returns_query_labelled_boxes_in_pixels(model_dir):
    detector = create_detector('open_vocab', DetectorConfig(model_path=str(model_dir), queries=QUERIES,
                                                            score_threshold=0.05, nms_iou=0.3))
    rgb = np.random.default_rng(0).integers(0, 256, (240, 320, 3), dtype=np.uint8)
    detections = detector.detect(rgb)
    assert detections, 'the biased tiny model scores every box'
    assert {d.label for d in detections} <= set(QUERIES)
    assert all(d.detector == 'open_vocab' and 0.05 <= d.score <= 1.0 for d in detections)
    for d in detections:
        x0, y0, x1, y1 = d.box
        assert 0 <= x0 < x1 <= 320 and 0 <= y0 < y1 <= 240
    assert [d.score for d in detections] == sorted((d.score for d in detections), reverse=True)
    assert detector.detect(rgb) == detections
    # 16 patches -> 16 candidate boxes; suppression leaves fewer per query.
    assert len(detections) < 2 * 16


def test_queries_default_to_the_class_filter(model_dir):
    detector = create_detector('open_vocab', DetectorConfig(model_path=str(model_dir), classes=('a door',)))
    assert detector.queries == ('a door',)


def test_missing_weights_say_what_to_provide(tmp_path):
    with pytest.raises(DetectorUnavailableError, match='has no weights: set model_path'):
        create_detector('open_vocab', DetectorConfig(queries=QUERIES))
    with pytest.raises(DetectorUnavailableError, match='cannot load open_vocab weights from directory'):
        create_detector('open_vocab', DetectorConfig(model_path=str(tmp_path), queries=QUERIES))
    with pytest.raises(DetectorUnavailableError, match='hub id'):
        create_detector('open_vocab', DetectorConfig(model_path='google/owlv2-not-cached', queries=QUERIES))


def test_needs_queries(model_dir):
    with pytest.raises(ValueError, match='needs text queries'):
        create_detector('open_vocab', DetectorConfig(model_path=str(model_dir)))
