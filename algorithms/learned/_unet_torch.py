"""The UNet network, its training loop and its tiled inference (imports torch).

Kept apart from :mod:`algorithms.learned.unet` so that the package imports,
and the UNet is registered and configurable, without PyTorch installed.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator

import numpy as np
import torch
from torch import nn

__all__ = ["UNetNetwork", "predict_logits", "standardize", "train"]


class _DoubleConv(nn.Sequential):
    """Two 3×3 convolutions, each followed by batch normalisation and ReLU."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(
            nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
        )


class UNetNetwork(nn.Module):
    """Encoder–decoder with skip connections (Ronneberger et al. 2015), padded convolutions.

    ``depth`` resolution levels; level ``i`` has ``base_channels * 2**i``
    channels. Down: 2×2 max pooling; up: 2×2 transposed convolution, then
    concatenation with the skip and a double convolution. One output
    channel: the foreground logit.
    """

    def __init__(self, depth: int, base_channels: int) -> None:
        super().__init__()
        widths = [base_channels * 2**i for i in range(depth)]
        self.down = nn.ModuleList(
            _DoubleConv(1 if i == 0 else widths[i - 1], w) for i, w in enumerate(widths)
        )
        self.pool = nn.MaxPool2d(2)
        self.up = nn.ModuleList(
            nn.ConvTranspose2d(widths[i + 1], widths[i], 2, stride=2) for i in range(depth - 1)
        )
        self.merge = nn.ModuleList(_DoubleConv(2 * widths[i], widths[i]) for i in range(depth - 1))
        self.head = nn.Conv2d(widths[0], 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for i, block in enumerate(self.down):
            x = block(x)
            if i < len(self.down) - 1:
                skips.append(x)
                x = self.pool(x)
        for i in reversed(range(len(self.up))):
            x = self.merge[i](torch.cat([skips[i], self.up[i](x)], dim=1))
        return self.head(x)


def standardize(image: np.ndarray) -> np.ndarray:
    """Zero mean, unit variance (float32): the network sees contrast, not the dtype's range.

    Images whose values pass 2**40 in magnitude (64-bit integers, wide floats)
    are standardised in float64 first: their squares would overflow float32.
    """
    x = image.astype(np.float32)
    if x.size and float(np.abs(x).max()) >= 2.0**40:
        wide = image.astype(np.float64)
        wide -= wide.mean()
        std = float(wide.std())
        return (wide / (std if std > 0 else 1.0)).astype(np.float32)
    std = float(x.std())
    return (x - float(x.mean())) / (std if std > 0 else 1.0)


def _random_crops(
    rng: np.random.Generator,
    images: list[np.ndarray],
    targets: list[np.ndarray],
    weights: list[np.ndarray],
    size: int,
    count: int,
    augment: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``count`` crops (image, target, weight), images picked in proportion to their area."""
    areas = np.array([img.size for img in images], np.float64)
    picks = rng.choice(len(images), size=count, p=areas / areas.sum())
    xs = np.empty((count, 1, size, size), np.float32)
    ys = np.empty_like(xs)
    ws = np.empty_like(xs)
    for n, k in enumerate(picks):
        rows, cols = images[k].shape
        r = int(rng.integers(0, rows - size + 1))
        c = int(rng.integers(0, cols - size + 1))
        window = (slice(r, r + size), slice(c, c + size))
        x, y, w = images[k][window], targets[k][window], weights[k][window]
        if augment:
            # The 8 symmetries of the square, then a random gain and offset.
            turns, flip = int(rng.integers(4)), bool(rng.integers(2))
            x, y, w = (np.rot90(a, turns) for a in (x, y, w))
            if flip:
                x, y, w = x[:, ::-1], y[:, ::-1], w[:, ::-1]
            x = x * rng.uniform(0.8, 1.2) + rng.uniform(-0.2, 0.2)
        xs[n, 0], ys[n, 0], ws[n, 0] = x, y, w
    return xs, ys, ws


def _pad_to(array: np.ndarray, size: int) -> np.ndarray:
    """Mirror-pad so that both sides are at least ``size``."""
    extra = [(0, max(0, size - n)) for n in array.shape]
    return np.pad(array, extra, mode="symmetric") if any(e for _, e in extra) else array


@contextlib.contextmanager
def exact_kernels(device: str) -> Iterator[None]:
    """Full float32, deterministic convolutions on CUDA while the block runs.

    PyTorch lets cuDNN use TF32 (a 10-bit mantissa) for convolutions and pick
    non-deterministic algorithms by default. On an H200 that made two fits with
    the same seed give different models (mean MCC 0.7436 and 0.7425 on the ISBI
    test slices) and made the prediction depend on ``tile_size`` (16 pixels of
    six slices), against this module's promises. With TF32 off the prediction
    no longer depended on ``tile_size`` (0 pixels, ``tests/benchmarks/unet_cuda.py``);
    deterministic cuDNN algorithms are asked for so that a seed gives one model
    (PyTorch's reproducibility notes), a claim that script re-checks on a GPU.
    The caller's settings are restored afterwards. Nothing changes on the CPU.
    """
    if not str(device).startswith("cuda"):
        yield
        return
    cudnn, matmul = torch.backends.cudnn, torch.backends.cuda.matmul
    saved = (cudnn.allow_tf32, matmul.allow_tf32, cudnn.deterministic, cudnn.benchmark)
    cudnn.allow_tf32 = matmul.allow_tf32 = False
    cudnn.deterministic, cudnn.benchmark = True, False
    try:
        yield
    finally:
        cudnn.allow_tf32, matmul.allow_tf32, cudnn.deterministic, cudnn.benchmark = saved


def train(
    images: list[np.ndarray],
    truths: list[np.ndarray],
    fovs: list[np.ndarray | None],
    *,
    depth: int,
    base_channels: int,
    crop_size: int,
    batch_size: int,
    steps: int,
    learning_rate: float,
    augment: bool,
    device: str,
    seed: int,
    log: Callable[[int, float], None] | None = None,
) -> tuple[UNetNetwork, list[float]]:
    """Train a network on random crops; return it (on the CPU, in eval mode) and the losses."""
    with exact_kernels(device):
        with torch.random.fork_rng(devices=[]):  # leave the caller's global RNG untouched
            torch.manual_seed(seed)
            network = UNetNetwork(depth, base_channels)
        network.to(device).train()
        rng = np.random.default_rng(seed)
        xs = [_pad_to(standardize(image), crop_size) for image in images]
        ys = [_pad_to(truth.astype(np.float32), crop_size) for truth in truths]
        # Pixels added by padding, and those outside the field of view, teach nothing.
        ws = [
            _pad_to(np.ones(t.shape, np.float32) if f is None else f.astype(np.float32), crop_size)
            for t, f in zip(truths, fovs, strict=True)
        ]
        for w, t in zip(ws, truths, strict=True):
            w[t.shape[0] :, :] = 0
            w[:, t.shape[1] :] = 0
        optimizer = torch.optim.Adam(network.parameters(), lr=learning_rate)
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * step / steps))
        )
        loss_function = nn.BCEWithLogitsLoss(reduction="none")
        losses = []
        for step in range(steps):
            x, y, w = (
                torch.from_numpy(a).to(device)
                for a in _random_crops(rng, xs, ys, ws, crop_size, batch_size, augment)
            )
            loss = (loss_function(network(x), y) * w).sum() / w.sum().clamp(min=1.0)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            losses.append(float(loss.detach()))
            if log is not None:
                log(step, losses[-1])
        return network.cpu().eval(), losses


def predict_logits(
    network: UNetNetwork, image: np.ndarray, *, margin: int, tile: int, device: str
) -> np.ndarray:
    """Foreground logits of a whole image, computed tile by tile.

    The image is mirror-padded by ``margin`` on every side (and up to a
    multiple of ``tile``); each tile is run with ``margin`` pixels of
    context and only its centre is kept. With ``margin`` at least the
    network's reach and ``tile`` and ``margin`` multiples of the pooling
    factor, every tile sees what the whole padded image would show it, so
    the result does not depend on ``tile``.
    """
    x = standardize(image)
    rows, cols = x.shape
    padded_rows, padded_cols = math.ceil(rows / tile) * tile, math.ceil(cols / tile) * tile
    padded = np.pad(
        x,
        ((margin, margin + padded_rows - rows), (margin, margin + padded_cols - cols)),
        "symmetric",
    )
    out = np.empty((padded_rows, padded_cols), np.float32)
    network = network.to(device).eval()
    with torch.inference_mode(), exact_kernels(device):
        for r in range(0, padded_rows, tile):
            for c in range(0, padded_cols, tile):
                window = padded[r : r + tile + 2 * margin, c : c + tile + 2 * margin]
                logits = network(
                    torch.from_numpy(np.ascontiguousarray(window))[None, None].to(device)
                )
                out[r : r + tile, c : c + tile] = (
                    logits[0, 0, margin : margin + tile, margin : margin + tile].cpu().numpy()
                )
    network.cpu()
    return out[:rows, :cols]
