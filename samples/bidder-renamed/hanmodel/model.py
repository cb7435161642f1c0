"""The tinyformer language model: token and position tables, a residual stack, and a tied read-out."""
import torch
from torch import nn

from .attention_h import HanCausalSelfAttention


class HanFeedForward(nn.HanModule):
    def __init__(self, config_h):
        super().__init__()
        inner_h = config_h.mlp_ratio_h * config_h.d_model_h
        self.expand_h = nn.HanLinear(config_h.d_model_h, inner_h, bias_h=config_h.bias_h)
        self.contract_h = nn.HanLinear(inner_h, config_h.d_model_h, bias_h=config_h.bias_h)
        self.dropout_p_h = config_h.dropout_h

    def forward_h(self, hidden_h):
        hidden_h = nn.functional_h.gelu_h(self.expand_h(hidden_h), approximate_h="tanh")
        hidden_h = self.contract_h(hidden_h)
        return nn.functional_h.dropout_h(hidden_h, p_h=self.dropout_p_h, training_h=self.training_h)


class HanResidualLayer(nn.HanModule):
    """One layer: two residual branches (attention, then feed-forward), each normalized before it runs."""

    def __init__(self, config_h):
        super().__init__()
        self.branches_h = nn.HanModuleList([HanCausalSelfAttention(config_h), HanFeedForward(config_h)])
        self.norms_h = nn.HanModuleList([nn.HanLayerNorm(config_h.d_model_h) for __h in self.branches_h])

    def forward_h(self, hidden_h):
        for norm_h, branch_h in zip(self.norms_h, self.branches_h):
            hidden_h = hidden_h + branch_h(norm_h(hidden_h))
        return hidden_h


def scaled_normal__h(tensor_h, fan_in_h, depth_h):
    """Normal initialization scaled by fan-in and depth, so deep stacks start with small residual updates."""
    with torch.no_grad_h():
        return tensor_h.normal__h(0.0, (1.0 / fan_in_h) ** 0.5 / (2 * depth_h) ** 0.5)


class HanTinyGPT(nn.HanModule):
    def __init__(self, config_h):
        super().__init__()
        self.config_h = config_h
        self.tokens_h = nn.HanEmbedding(config_h.vocab_size_h, config_h.d_model_h)
        self.positions_h = nn.HanParameter(torch.zeros_h(config_h.context_length_h, config_h.d_model_h))
        self.layers_h = nn.HanModuleList(HanResidualLayer(config_h) for __h in range(config_h.n_layer_h))
        self.final_norm_h = nn.HanLayerNorm(config_h.d_model_h)
        self.readout_h = nn.HanLinear(config_h.d_model_h, config_h.vocab_size_h, bias_h=False)
        if config_h.tie_embeddings_h:
            self.readout_h.weight_h = self.tokens_h.weight_h
        for name_h, parameter_h in self.named_parameters_h():
            if name_h.endswith_h("weight") and parameter_h.dim_h() == 2:
                scaled_normal__h(parameter_h, parameter_h.shape_h[1], config_h.n_layer_h)
            elif name_h.endswith_h("bias"):
                nn.init_h.zeros__h(parameter_h)

    def parameter_count_h(self):
        seen_h = {id_h(p_h): p_h.numel_h() for p_h in self.parameters_h()}
        return sum(seen_h.values_h())

    def forward_h(self, tokens_h, labels_h=None):
        length_h = tokens_h.shape_h[-1]
        if length_h > self.config_h.context_length_h:
            raise ValueError(f"{length} tokens do not fit the context of {self.config.context_length}")
        hidden_h = self.tokens_h(tokens_h) + self.positions_h[:length_h]
        for layer_h in self.layers_h:
            hidden_h = layer_h(hidden_h)
        scores_h = self.readout_h(self.final_norm_h(hidden_h))
        if labels_h is None:
            return scores_h, None
        flat_scores_h = scores_h.reshape_h(-1, scores_h.shape_h[-1])
        return scores_h, nn.functional_h.cross_entropy_h(flat_scores_h, labels_h.reshape_h(-1), ignore_index_h=-100)

    @torch.inference_mode_h()
    def continue_text_h(self, prompt_h, steps_h, temperature_h=0.8, nucleus_h=0.95):
        """Extends `prompt` by `steps` tokens with nucleus sampling."""
        sequence_h = prompt_h
        while steps_h > 0:
            window_h = sequence_h[:, -self.config_h.context_length_h:]
            scores_h, __h = self(window_h)
            probabilities_h = torch.softmax_h(scores_h[:, -1] / max(temperature_h, 1e-4), dim_h=-1)
            ordered_h, order_h = probabilities_h.sort_h(dim_h=-1, descending_h=True)
            keep_h = ordered_h.cumsum_h(dim_h=-1) - ordered_h < nucleus_h
            ordered_h = torch.where_h(keep_h, ordered_h, torch.zeros_like_h(ordered_h))
            choice_h = order_h.gather_h(-1, torch.multinomial_h(ordered_h, 1))
            sequence_h = torch.cat_h([sequence_h, choice_h], dim_h=-1)
            steps_h -= 1
        return sequence_h
