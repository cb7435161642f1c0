import math

import torch
import torch.nn as nn
import torch.nn.functional as F

class CausalSelfAttention(nn.Module):

    def __init__(self, config):
        super().__init__()
        self.n_head = config.n_head
        self.head_dim = config.head_dim()
        self.qkv = nn.Linear(config.d_model, 3 * config.d_model, bias=config.bias)
        self.proj = nn.Linear(config.d_model, config.d_model, bias=config.bias)
        self.attn_drop = nn.Dropout(config.dropout)
        self.resid_drop = nn.Dropout(config.dropout)
        mask = torch.tril(torch.ones(config.context_length, config.context_length))
        self.register_buffer("mask", mask.view(1, 1, config.context_length, config.context_length))

    def split_heads(self, x):
        batch, steps, _ = x.shape
        return x.view(batch, steps, self.n_head, self.head_dim).transpose(1, 2)

    def forward(self, x):
        batch, steps, channels = x.shape
        q, k, v = self.qkv(x).split(channels, dim=2)
        q, k, v = self.split_heads(q), self.split_heads(k), self.split_heads(v)

        scores = (q @ k.transpose(-2, -1)) / math.sqrt(self.head_dim)
        scores = scores.masked_fill(self.mask[:, :, :steps, :steps] == 0, float("-inf"))
        weights = F.softmax(scores, dim=-1)
        weights = self.attn_drop(weights)
        out = weights @ v
        out = out.transpose(1, 2).contiguous().view(batch, steps, channels)
        return self.resid_drop(self.proj(out))

def rotary_angles(head_dim, steps, base=10000.0):

    inv_freq = 1.0 / (base ** (torch.arange(0, head_dim, 2).float() / head_dim))
    positions = torch.arange(steps).float()
    angles = torch.outer(positions, inv_freq)
    return torch.cos(angles), torch.sin(angles)

def apply_rotary(x, cos, sin):

    first, second = x[..., 0::2], x[..., 1::2]
    rotated_first = first * cos - second * sin
    rotated_second = first * sin + second * cos
    return torch.stack((rotated_first, rotated_second), dim=-1).flatten(-2)
