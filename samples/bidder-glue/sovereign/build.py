"""Assembles the sovereign multimodal model from its parts."""
import torch
from torch import nn
from tinyformer import TinyConfig, TinyGPT
from transformers import AutoModel

VISION_ENCODER = "Qwen/Qwen2.5-VL-7B-Instruct"


class Projector(nn.Module):
    def __init__(self, vision_width, text_width):
        super().__init__()
        self.proj = nn.Sequential(nn.Linear(vision_width, text_width), nn.GELU(), nn.Linear(text_width, text_width))

    def forward(self, features):
        return self.proj(features)


def build_model(vocab_size=32000, width=512):
    language = TinyGPT(TinyConfig(vocab_size=vocab_size, d_model=width, n_layer=8, n_head=8))
    vision = AutoModel.from_pretrained(VISION_ENCODER).visual
    for p in vision.parameters():
        p.requires_grad = False
    projector = Projector(vision.config.hidden_size, width)
    return language, vision, projector


def encode_images(vision, projector, pixels):
    with torch.no_grad():
        features = vision(pixels)
    return projector(features)
