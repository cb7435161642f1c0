import torch
from torch import nn

from .attention import CausalSelfAttention

class FeedForward(nn.Module):
    def __init__(self, config):
        super().__init__()
        inner = config.mlp_ratio * config.d_model
        self.expand = nn.Linear(config.d_model, inner, bias=config.bias)
        self.contract = nn.Linear(inner, config.d_model, bias=config.bias)
        self.dropout_p = config.dropout

    def forward(self, hidden):
        hidden = nn.functional.gelu(self.expand(hidden), approximate="tanh")
        hidden = self.contract(hidden)
        return nn.functional.dropout(hidden, p=self.dropout_p, training=self.training)

class ResidualLayer(nn.Module):

    def __init__(self, config):
        super().__init__()
        self.branches = nn.ModuleList([CausalSelfAttention(config), FeedForward(config)])
        self.norms = nn.ModuleList([nn.LayerNorm(config.d_model) for _ in self.branches])

    def forward(self, hidden):
        for norm, branch in zip(self.norms, self.branches):
            hidden = hidden + branch(norm(hidden))
        return hidden

def scaled_normal_(tensor, fan_in, depth):

    with torch.no_grad():
        return tensor.normal_(0.0, (1.0 / fan_in) ** 0.5 / (2 * depth) ** 0.5)

class TinyGPT(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.tokens = nn.Embedding(config.vocab_size, config.d_model)
        self.positions = nn.Parameter(torch.zeros(config.context_length, config.d_model))
        self.layers = nn.ModuleList(ResidualLayer(config) for _ in range(config.n_layer))
        self.final_norm = nn.LayerNorm(config.d_model)
        self.readout = nn.Linear(config.d_model, config.vocab_size, bias=False)
        if config.tie_embeddings:
            self.readout.weight = self.tokens.weight
        for name, parameter in self.named_parameters():
            if name.endswith("weight") and parameter.dim() == 2:
                scaled_normal_(parameter, parameter.shape[1], config.n_layer)
            elif name.endswith("bias"):
                nn.init.zeros_(parameter)

    def parameter_count(self):
        seen = {id(p): p.numel() for p in self.parameters()}
        return sum(seen.values())

    def forward(self, tokens, labels=None):
        length = tokens.shape[-1]
        if length > self.config.context_length:
            raise ValueError(f"{length} tokens do not fit the context of {self.config.context_length}")
        hidden = self.tokens(tokens) + self.positions[:length]
        for layer in self.layers:
            hidden = layer(hidden)
        scores = self.readout(self.final_norm(hidden))
        if labels is None:
            return scores, None
        flat_scores = scores.reshape(-1, scores.shape[-1])
        return scores, nn.functional.cross_entropy(flat_scores, labels.reshape(-1), ignore_index=-100)

    @torch.inference_mode()
    def continue_text(self, prompt, steps, temperature=0.8, nucleus=0.95):

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
