import torch

from hanmodel.network import HanModel


def test_shapes():
    model = HanModel(vocab=32, width=32, depth=2, query_heads=4, kv_heads=2, max_len=16)
    tokens = torch.randint(0, 32, (2, 10))
    assert model(tokens).shape == (2, 10, 32)
