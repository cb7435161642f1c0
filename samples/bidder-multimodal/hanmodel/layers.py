"""Layers of hanmodel, designed and written by the team."""
import torch
from torch import nn


class RMSNorm(nn.Module):
    """Root-mean-square normalization with a learned gain."""

    def __init__(self, width, eps=1e-6):
        super().__init__()
        self.gain = nn.Parameter(torch.ones(width))
        self.eps = eps

    def forward(self, h):
        scale = torch.rsqrt(h.pow(2).mean(dim=-1, keepdim=True) + self.eps)
        return h * scale * self.gain


class GatedFeedForward(nn.Module):
    """SwiGLU feed-forward: a gate and a value projection multiplied, then projected back."""

    def __init__(self, width, expansion):
        super().__init__()
        inner = int(width * expansion)
        self.gate_and_value = nn.Linear(width, 2 * inner, bias=False)
        self.back = nn.Linear(inner, width, bias=False)

    def forward(self, h):
        gate, value = self.gate_and_value(h).chunk(2, dim=-1)
        return self.back(nn.functional.silu(gate) * value)


class GroupedAttention(nn.Module):
    """Attention with fewer key/value heads than query heads, sharing each kv head across a group."""

    def __init__(self, width, query_heads, kv_heads):
        super().__init__()
        if query_heads % kv_heads:
            raise ValueError("query heads must be a multiple of kv heads")
        self.query_heads = query_heads
        self.kv_heads = kv_heads
        self.dim = width // query_heads
        self.to_q = nn.Linear(width, query_heads * self.dim, bias=False)
        self.to_kv = nn.Linear(width, 2 * kv_heads * self.dim, bias=False)
        self.to_out = nn.Linear(query_heads * self.dim, width, bias=False)

    def forward(self, h, causal=True):
        b, n, _ = h.shape
        q = self.to_q(h).reshape(b, n, self.query_heads, self.dim).permute(0, 2, 1, 3)
        kv = self.to_kv(h).reshape(b, n, 2, self.kv_heads, self.dim).permute(2, 0, 3, 1, 4)
        k, v = kv[0], kv[1]
        repeat = self.query_heads // self.kv_heads
        k = k.repeat_interleave(repeat, dim=1)
        v = v.repeat_interleave(repeat, dim=1)
        mixed = nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal)
        return self.to_out(mixed.permute(0, 2, 1, 3).reshape(b, n, -1))
