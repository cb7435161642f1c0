"""Training entry point of the sovereign model."""
import argparse

import torch

from .build import build_model, encode_images


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args()
    language, vision, projector = build_model()
    optimizer = torch.optim.AdamW(list(language.parameters()) + list(projector.parameters()), lr=3e-4)
    for step in range(args.steps):
        pixels = torch.randn(2, 3, 224, 224)
        tokens = torch.randint(0, 32000, (2, 64))
        prefix = encode_images(vision, projector, pixels)
        logits, loss = language(tokens, tokens)
        loss = loss + prefix.pow(2).mean() * 0.0
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    main()
