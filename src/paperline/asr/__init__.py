"""Weakly supervised speech recognition from video subtitles (planned: the pipeline is not built yet)."""
