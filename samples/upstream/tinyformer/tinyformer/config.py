"""Model configuration for tinyformer."""
from dataclasses import dataclass, field


@dataclass
class TinyConfig:
    vocab_size: int = 256
    context_length: int = 128
    n_layer: int = 4
    n_head: int = 4
    d_model: int = 128
    mlp_ratio: int = 4
    dropout: float = 0.1
    bias: bool = True
    tie_embeddings: bool = True
    extra: dict = field(default_factory=dict)

    def head_dim(self) -> int:
        if self.d_model % self.n_head != 0:
            raise ValueError(
                f"d_model={self.d_model} must be divisible by n_head={self.n_head}"
            )
        return self.d_model // self.n_head

    @classmethod
    def from_dict(cls, values):
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
        unknown = {k: v for k, v in values.items() if k not in known}
        cfg = cls(**known)
        cfg.extra.update(unknown)
        return cfg
