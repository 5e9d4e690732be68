"""run_graph sets the shipped Fast DDS profile itself, for scripts that call the evaluator directly."""
from __future__ import annotations

import os

import pytest

from savvy_ros.evaluation import graph_run
from savvy_ros.ros import dds_profile


def test_a_graph_run_puts_the_player_on_the_nodes_dds_transports(tmp_path, monkeypatch):
    """A script calling the evaluator (not the CLI) gets the shipped Fast DDS profile too, before the
    player's participant exists and for the node processes it starts: with the stock transports the
    player's images crawled over UDP against nodes on the large shared-memory segment."""
    for name in dds_profile.USER_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    expected = dds_profile.use_savvy_dds_profile(environ={})   # what this machine takes (None: too little /dev/shm)
    with pytest.raises(graph_run.GraphRunError, match='unknown modalities'):
        graph_run.run_graph(tmp_path / 'bag', [], graph_run.RunConfig('all', frozenset({'smell'})),
                            tmp_path / 'params.yaml', tmp_path / 'logs')
    assert os.environ.get(dds_profile.PROFILE_ENV) == expected
