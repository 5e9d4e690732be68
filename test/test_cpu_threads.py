"""Nodes' num_threads: the BLAS / OpenMP and OpenCV thread pools limited in-process."""
from __future__ import annotations

import cv2
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from savvy_ros.cpu_threads import limit_cpu_threads


def blas_threads() -> set[int]:
    return {pool['num_threads'] for pool in threadpool_info() if pool['user_api'] == 'blas'}


@pytest.fixture
def restore_thread_pools():
    import numpy  # noqa: F401  (loads the BLAS that threadpoolctl reports)
    opencv = cv2.getNumThreads()
    with threadpool_limits(limits=None):     # puts BLAS / OpenMP back as they were when the test ends
        yield
    cv2.setNumThreads(opencv)


def test_one_thread_for_opencv_and_blas(restore_thread_pools):
    limit_cpu_threads(1)
    assert cv2.getNumThreads() == 1
    assert blas_threads() == {1}


def test_zero_leaves_the_defaults_and_negative_is_refused(restore_thread_pools):
    before_cv, before_blas = cv2.getNumThreads(), blas_threads()
    limit_cpu_threads(0)
    assert cv2.getNumThreads() == before_cv and blas_threads() == before_blas
    with pytest.raises(ValueError, match='>= 0'):
        limit_cpu_threads(-1)
