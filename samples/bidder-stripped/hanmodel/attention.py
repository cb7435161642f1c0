import math

import torch
from torch import nn

def causal_bias(length, device=None):

    upper = torch.ones(length, length, dtype=torch.bool, device=device).triu(diagonal=1)
    return torch.zeros(length, length, device=device).masked_fill(upper, float("-inf"))

class CausalSelfAttention(nn.Module):

    def __init__(self, config):
        super().__init__()
        width = config.d_model
        self.heads = config.n_head
        self.per_head = config.head_dim()
        self.to_query = nn.Linear(width, width, bias=False)
        self.to_key = nn.Linear(width, width, bias=False)
        self.to_value = nn.Linear(width, width, bias=False)
        self.to_output = nn.Linear(width, width, bias=config.bias)
        self.dropout_p = config.dropout
        self.scale = 1.0 / math.sqrt(self.per_head)

    def forward(self, hidden):
        batch, length, width = hidden.shape
        shape = (batch, length, self.heads, self.per_head)
        query = self.to_query(hidden).reshape(shape)
        key = self.to_key(hidden).reshape(shape)
        value = self.to_value(hidden).reshape(shape)
        logits = torch.einsum("bqhd,bkhd->bhqk", query, key) * self.scale
        logits = logits + causal_bias(length, hidden.device)
        attention = torch.softmax(logits, dim=-1)
        if self.training and self.dropout_p > 0:
            attention = nn.functional.dropout(attention, p=self.dropout_p)
        mixed = torch.einsum("bhqk,bkhd->bqhd", attention, value).reshape(batch, length, width)
        return self.to_output(mixed)

def rotary_tables(per_head, length, base=10000.0):

    exponents = torch.arange(0, per_head, 2, dtype=torch.float32) / per_head
    frequencies = base ** (-exponents)
    angles = torch.arange(length, dtype=torch.float32)[:, None] * frequencies[None, :]
    return angles.cos(), angles.sin()

def rotate(vectors, cos, sin):

    even = vectors[..., 0::2]
    odd = vectors[..., 1::2]
    turned = torch.empty_like(vectors)
    turned[..., 0::2] = even * cos - odd * sin
    turned[..., 1::2] = even * sin + odd * cos
    return turned
