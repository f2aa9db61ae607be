"""Weak ASR (arXiv:2008.01300): on the shelf, pipeline not built yet (`paperline list` shows the plan)."""

from paperline.core.papers import Paper

PAPERS = [Paper("weak-asr", "Weakly Supervised Construction of ASR Systems from Massive Video Data", "2008.01300",
                "asr")]
