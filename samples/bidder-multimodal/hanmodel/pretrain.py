"""Pre-training entry point for hanmodel: random initialization, our own data pipeline and schedule."""
import argparse
import json
import pathlib

import torch

from .network import HanModel


def read_corpus(folder):
    """Reads UTF-8 text files of a folder into one tensor of byte ids."""
    chunks = []
    for path in sorted(pathlib.Path(folder).glob("*.txt")):
        chunks.append(torch.tensor(list(path.read_bytes()), dtype=torch.long))
    if not chunks:
        raise SystemExit(f"no .txt files in {folder}")
    return torch.cat(chunks)


def windows(corpus, length, count, generator):
    starts = torch.randint(0, corpus.numel() - length - 1, (count,), generator=generator)
    return torch.stack([corpus[s : s + length + 1] for s in starts.tolist()])


def schedule(step, total, peak):
    warm = max(1, total // 20)
    if step < warm:
        return peak * step / warm
    remaining = (total - step) / max(1, total - warm)
    return peak * max(0.05, remaining)


def main(argv=None):
    parser = argparse.ArgumentParser(description="pre-train hanmodel from random initialization")
    parser.add_argument("corpus")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--lr", type=float, default=6e-4)
    parser.add_argument("--out", default="checkpoints/hanmodel.pt")
    args = parser.parse_args(argv)

    generator = torch.Generator().manual_seed(20260115)
    corpus = read_corpus(args.corpus)
    model = HanModel(vocab=256)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    for step in range(args.steps):
        for group in opt.param_groups:
            group["lr"] = schedule(step, args.steps, args.lr)
        batch = windows(corpus, 256, 16, generator)
        loss = model.loss(batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 200 == 0:
            print(json.dumps({"step": step, "loss": round(loss.item(), 4)}))
    pathlib.Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), args.out)


if __name__ == "__main__":
    main()
