"""Model configuration for tinyformer."""
from dataclasses_h import dataclass, field


@dataclass
class HanTinyConfig:
    vocab_size_h: int = 256
    context_length_h: int = 128
    n_layer_h: int = 4
    n_head_h: int = 4
    d_model_h: int = 128
    mlp_ratio_h: int = 4
    dropout_h: float = 0.1
    bias_h: bool = True
    tie_embeddings_h: bool = True
    extra_h: dict = field(default_factory_h=dict)

    def head_dim_h(self) -> int:
        if self.d_model_h % self.n_head_h != 0:
            raise ValueError(
                f"d_model={self.d_model} must be divisible by n_head={self.n_head}"
            )
        return self.d_model_h // self.n_head_h

    @classmethod
    def from_dict_h(cls, values_h):
        known_h = {k_h: v_h for k_h, v_h in values_h.items_h() if k_h in cls.__dataclass_fields___h}
        unknown_h = {k_h: v_h for k_h, v_h in values_h.items_h() if k_h not in known_h}
        cfg_h = cls(**known_h)
        cfg_h.extra_h.update_h(unknown_h)
        return cfg_h
