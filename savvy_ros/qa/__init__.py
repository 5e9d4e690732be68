"""Question answering over the map (QA stage): conventions, parsing, grounding, answering."""
