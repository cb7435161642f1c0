"""A minimal training loop for tinyformer models."""
import math
import time

import torch


def cosine_lr(step, warmup, total, peak, floor):
    """Linear warm-up, then cosine decay from peak to floor."""
    if step < warmup:
        return peak * (step + 1) / warmup
    if step >= total:
        return floor
    progress = (step - warmup) / max(1, total - warmup)
    return floor + 0.5 * (peak - floor) * (1.0 + math.cos(math.pi * progress))


def get_batch(data, context_length, batch_size, device):
    starts = torch.randint(len(data) - context_length - 1, (batch_size,))
    x = torch.stack([data[s : s + context_length] for s in starts])
    y = torch.stack([data[s + 1 : s + 1 + context_length] for s in starts])
    return x.to(device), y.to(device)


def train(model, data, steps=1000, batch_size=32, peak_lr=3e-4, weight_decay=0.1, device="cpu", log_every=100):
    model.to(device)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=peak_lr,
        betas=(0.9, 0.95),
    )
    history = []
    started = time.time()
    for step in range(steps):
        lr = cosine_lr(step, warmup=steps // 10, total=steps, peak=peak_lr, floor=peak_lr / 10)
        for group in optimizer.param_groups:
            group["lr"] = lr
        x, y = get_batch(data, model.config.context_length, batch_size, device)
        _, loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        history.append(loss.item())
        if step % log_every == 0:
            elapsed = time.time() - started
            print(f"step {step:5d} loss {loss.item():.4f} lr {lr:.2e} elapsed {elapsed:.1f}s")
    return history
