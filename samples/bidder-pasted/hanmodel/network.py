"""The hanmodel network: a decoder stack built from the team's own layers."""
import torch
from torch import nn

from .layers import GatedFeedForward, GroupedAttention, RMSNorm


class DecoderLayer(nn.Module):
    def __init__(self, width, query_heads, kv_heads, expansion):
        super().__init__()
        self.pre_attention = RMSNorm(width)
        self.attention = GroupedAttention(width, query_heads, kv_heads)
        self.pre_ffn = RMSNorm(width)
        self.ffn = GatedFeedForward(width, expansion)

    def forward(self, h):
        h = h + self.attention(self.pre_attention(h))
        return h + self.ffn(self.pre_ffn(h))


class HanModel(nn.Module):
    def __init__(self, vocab, width=256, depth=6, query_heads=8, kv_heads=2, expansion=2.75, max_len=512):
        super().__init__()
        self.embed = nn.Embedding(vocab, width)
        self.where = nn.Parameter(torch.zeros(max_len, width))
        self.layers = nn.ModuleList(DecoderLayer(width, query_heads, kv_heads, expansion) for _ in range(depth))
        self.norm = RMSNorm(width)
        self.readout = nn.Linear(width, vocab, bias=False)
        self.max_len = max_len
        for name, weight in self.named_parameters():
            if weight.dim() == 2 and "embed" not in name:
                nn.init.trunc_normal_(weight, std=width ** -0.5)

    def forward(self, tokens):
        length = tokens.shape[1]
        if length > self.max_len:
            tokens = tokens[:, -self.max_len:]
            length = self.max_len
        h = self.embed(tokens) + self.where[:length]
        for layer in self.layers:
            h = layer(h)
        return self.readout(self.norm(h))

    def loss(self, tokens):
        logits = self(tokens[:, :-1])
        flat = logits.reshape(-1, logits.shape[-1])
        return nn.functional.cross_entropy(flat, tokens[:, 1:].reshape(-1))

    @torch.no_grad()
    def sample(self, prompt, steps, temperature=0.8):
        out = prompt
        for _ in range(steps):
            scores = self(out)[:, -1] / max(temperature, 1e-5)
            choice = torch.distributions.Categorical(logits=scores).sample()
            out = torch.cat([out, choice[:, None]], dim=1)
        return out

    @torch.inference_mode()
    def continue_text(self, prompt, steps, temperature=0.8, nucleus=0.95):
        """Extends `prompt` by `steps` tokens with nucleus sampling."""
        sequence = prompt
        while steps > 0:
            window = sequence[:, -self.config.context_length:]
            scores, _ = self(window)
            probabilities = torch.softmax(scores[:, -1] / max(temperature, 1e-4), dim=-1)
            ordered, order = probabilities.sort(dim=-1, descending=True)
            keep = ordered.cumsum(dim=-1) - ordered < nucleus
            ordered = torch.where(keep, ordered, torch.zeros_like(ordered))
            choice = order.gather(-1, torch.multinomial(ordered, 1))
            sequence = torch.cat([sequence, choice], dim=-1)
            steps -= 1
        return sequence
