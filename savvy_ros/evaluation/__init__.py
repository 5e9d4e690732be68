"""Scoring and evaluation of answers against SAVVY-Bench style questions."""
