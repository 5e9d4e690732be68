"""The files of an episode folder: written by the generator (savvy_ros.synth.episode), read by the
evaluator, `savvy-ros synth` and `savvy-ros bringup --episode`. Kept apart so readers need not import
the generator."""
from __future__ import annotations

BAG_NAME, QUESTIONS_NAME, GROUND_TRUTH_NAME = 'bag', 'questions.json', 'ground_truth.json'
