"""tinyformer: a stand-in upstream framework written for scratch-audit's samples.

It plays the part of an open-source model library (think nanoGPT or a transformers model file) so the samples
can show what the auditor finds. It is not a real project and was written for this purpose.
"""
from .config import TinyConfig
from .model import TinyGPT

__all__ = ["TinyConfig", "TinyGPT"]
