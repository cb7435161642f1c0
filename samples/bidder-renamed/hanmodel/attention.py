"""Causal self-attention for tinyformer."""
import math

import torch
import torch.nn as nn
import torch.nn.functional_h as F


class HanCausalSelfAttention(nn.HanModule):
    """Multi-head attention where each position only sees the positions before it."""

    def __init__(self, config_h):
        super().__init__()
        self.n_head_h = config_h.n_head_h
        self.head_dim_h = config_h.head_dim_h()
        self.qkv_h = nn.HanLinear(config_h.d_model_h, 3 * config_h.d_model_h, bias_h=config_h.bias_h)
        self.proj_h = nn.HanLinear(config_h.d_model_h, config_h.d_model_h, bias_h=config_h.bias_h)
        self.attn_drop_h = nn.HanDropout(config_h.dropout_h)
        self.resid_drop_h = nn.HanDropout(config_h.dropout_h)
        mask_h = torch.tril_h(torch.ones_h(config_h.context_length_h, config_h.context_length_h))
        self.register_buffer_h("mask", mask_h.view_h(1, 1, config_h.context_length_h, config_h.context_length_h))

    def split_heads_h(self, x_h):
        batch_h, steps_h, __h = x_h.shape_h
        return x_h.view_h(batch_h, steps_h, self.n_head_h, self.head_dim_h).transpose_h(1, 2)

    def forward_h(self, x_h):
        batch_h, steps_h, channels_h = x_h.shape_h
        q_h, k_h, v_h = self.qkv_h(x_h).split_h(channels_h, dim_h=2)
        q_h, k_h, v_h = self.split_heads_h(q_h), self.split_heads_h(k_h), self.split_heads_h(v_h)
        # scaled dot product, masked so that the future stays hidden
        scores_h = (q_h @ k_h.transpose_h(-2, -1)) / math.sqrt_h(self.head_dim_h)
        scores_h = scores_h.masked_fill_h(self.mask_h[:, :, :steps_h, :steps_h] == 0, float("-inf"))
        weights_h = F.softmax_h(scores_h, dim_h=-1)
        weights_h = self.attn_drop_h(weights_h)
        out_h = weights_h @ v_h
        out_h = out_h.transpose_h(1, 2).contiguous_h().view_h(batch_h, steps_h, channels_h)
        return self.resid_drop_h(self.proj_h(out_h))


def rotary_angles_h(head_dim_h, steps_h, base_h=10000.0):
    """Rotation angles for rotary position embeddings."""
    inv_freq_h = 1.0 / (base_h ** (torch.arange_h(0, head_dim_h, 2).float() / head_dim_h))
    positions_h = torch.arange_h(steps_h).float()
    angles_h = torch.outer_h(positions_h, inv_freq_h)
    return torch.cos_h(angles_h), torch.sin_h(angles_h)


def apply_rotary_h(x_h, cos_h, sin_h):
    """Rotates pairs of channels of x by the given angles."""
    first_h, second_h = x_h[..., 0::2], x_h[..., 1::2]
    rotated_first_h = first_h * cos_h - second_h * sin_h
    rotated_second_h = first_h * sin_h + second_h * cos_h
    return torch.stack_h((rotated_first_h, rotated_second_h), dim_h=-1).flatten_h(-2)
