import pytest

from savvy_ros.hearing.errors import ModelFileError, ModelPackageMissingError
from savvy_ros.hearing.model_files import (package_dir, silero_vad_model, whisper_model_dir, yamnet_files)
from savvy_ros.hearing.onnx_initializers import read_scalar_initializers


def test_models_are_found_in_their_registry_packages(tmp_path):
    assert silero_vad_model().name == 'silero_vad.onnx'
    assert (whisper_model_dir() / 'model.bin').is_file()
    files = yamnet_files(cache=tmp_path)
    assert files.onnx.suffix == '.onnx' and files.onnx.is_relative_to(tmp_path)
    assert files.class_map.name == 'yamnet_class_map.csv'
    assert yamnet_files(cache=tmp_path).onnx == files.onnx  # unpacked once


def test_a_missing_package_is_named_in_one_clear_error():
    with pytest.raises(ModelPackageMissingError, match="'no-such-model-carrier'") as info:
        package_dir('no-such-model-carrier', 'YAMNet', 'yamnet_model_path')
    assert 'yamnet_model_path' in str(info.value)
    assert isinstance(info.value, FileNotFoundError)  # nodes report it as a configuration error


def test_override_paths_are_used_and_checked(tmp_path):
    with pytest.raises(ModelFileError, match='vad.onnx'):
        silero_vad_model(tmp_path / 'vad.onnx')
    with pytest.raises(ModelFileError, match='model.bin'):
        whisper_model_dir(tmp_path)
    vad = silero_vad_model()
    assert silero_vad_model(str(vad)) == vad


def test_quantisation_constants_are_read_from_the_yamnet_model(tmp_path):
    onnx = yamnet_files(cache=tmp_path).onnx
    q = read_scalar_initializers(onnx, {'audio_scale', 'audio_zero_point', 'class_scores_scale', 'missing'})
    assert set(q) == {'audio_scale', 'audio_zero_point', 'class_scores_scale'}
    # The input range the model was calibrated for starts at log(0.001), YAMNet's log offset.
    assert q['audio_scale'] * (0 - q['audio_zero_point']) == pytest.approx(-6.9078, abs=0.01)


def test_a_corrupt_model_file_raises_a_model_file_error(tmp_path):
    bad = tmp_path / 'bad.onnx'
    bad.write_bytes(b'\xff\xff\xff\xff')
    with pytest.raises(ModelFileError, match='bad.onnx'):
        read_scalar_initializers(bad, {'audio_scale'})
