"""A compact UNet (PyTorch, optional): trained on random crops, applied tile by tile."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .._registry import register
from .._validation import check_choice, check_int, check_positive
from ._base import LearnedSegmenter, StateError, import_optional

__all__ = ["UNet"]


@register("unet")
class UNet(LearnedSegmenter):
    """A UNet trained on the images' truth: the learned baseline beyond thresholds.

    The network has ``depth`` resolution levels (``depth - 1`` poolings),
    ``base_channels`` filters at full resolution doubling at each level, two
    3×3 convolutions with batch normalisation and ReLU per block, and a 1×1
    head giving the foreground logit. It is trained with Adam (cosine-decayed
    learning rate) on ``steps`` batches of ``batch_size`` random
    ``crop_size``² crops, each turned by a random symmetry of the square and
    given a random gain and offset when ``augment`` is true, minimising the
    binary cross-entropy. Each image is standardised (zero mean, unit
    variance) first, for training and inference alike.

    Inference runs tile by tile over the mirror-padded image, each tile with
    :meth:`halo` pixels of context rounded up to the pooling grid, so any
    image size works and the result does not depend on ``tile_size``.

    Training runs on CUDA when ``device="auto"`` finds it, else on the CPU.
    Seeds are fixed (``random_state`` seeds the initial weights and the crops),
    so two fits on the same machine give the same model; CPU and GPU results
    differ in the last bits.

    Needs PyTorch: ``pip install -e .[unet]``.

    Parameters
    ----------
    depth : int
        Resolution levels (>= 2).
    base_channels : int
        Filters at full resolution.
    crop_size : int
        Side of the training crops; a multiple of ``2 ** (depth - 1)``.
    batch_size : int
        Crops per training step.
    steps : int
        Training steps (optimizer updates).
    learning_rate : float
        Adam's initial learning rate.
    augment : bool
        Random symmetries, gain and offset of the training crops.
    threshold : float
        Foreground where the predicted probability exceeds it.
    tile_size : int
        Side of the inference tiles before context is added; a multiple of
        ``2 ** (depth - 1)``.
    device : {"auto", "cpu", "cuda"}
        Where to train and predict.
    n_threads : int or None
        CPU threads PyTorch may use while fitting and predicting (restored
        afterwards); None keeps PyTorch's setting. On a busy machine one
        thread is often faster than several that wait for each other.
    random_state : int
        Seed of the weights and the crops.
    verbose : bool
        Print the training loss every 50 steps.

    References
    ----------
    Ronneberger, O., Fischer, P. and Brox, T. (2015). U-Net: convolutional
    networks for biomedical image segmentation. MICCAI, LNCS 9351, 234–241.
    DOI:10.1007/978-3-319-24574-4_28

    Ioffe, S. and Szegedy, C. (2015). Batch normalization. ICML, 448–456.
    """

    devices = ("auto", "cpu", "cuda")

    def __init__(
        self,
        depth: int = 4,
        base_channels: int = 16,
        crop_size: int = 96,
        batch_size: int = 8,
        steps: int = 600,
        learning_rate: float = 0.002,
        augment: bool = True,
        threshold: float = 0.5,
        tile_size: int = 256,
        device: str = "auto",
        n_threads: int | None = None,
        random_state: int = 0,
        verbose: bool = False,
    ) -> None:
        self.depth = depth
        self.base_channels = base_channels
        self.crop_size = crop_size
        self.batch_size = batch_size
        self.steps = steps
        self.learning_rate = learning_rate
        self.augment = augment
        self.threshold = threshold
        self.tile_size = tile_size
        self.device = device
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose

    def check_dependencies(self) -> None:
        import_optional("torch", extra="unet", purpose="The UNet segmenter")

    def _grid(self) -> int:
        return 2 ** (check_int(self.depth, name="depth", minimum=2) - 1)

    def _check_multiple(self, value: object, name: str) -> int:
        grid = self._grid()
        size = check_int(value, name=name, minimum=grid)
        if size % grid:
            msg = (
                f"{name} must be a multiple of 2 ** (depth - 1) = {grid} so that pooling "
                f"tiles evenly; got {size}. Use {size - size % grid or grid}."
            )
            raise ValueError(msg)
        return size

    def halo(self) -> int:
        """The network's reach: how far from a pixel its output can look.

        Each 3×3 convolution at level ``i`` reaches ``2**i`` pixels; the
        pooling to level ``i + 1`` and the matching upsampling reach ``2**i``
        more on one side. Tiles also need their origin on the pooling grid
        (``2 ** (depth - 1)``) to reproduce the whole-image result exactly.
        """
        grid = self._grid()
        encoder = 2 * (2 * grid - 1)  # two convolutions per level, levels 0..depth-1
        decoder = 2 * (grid - 1)  # two convolutions per level, levels 0..depth-2
        pooling = grid - 1
        return encoder + decoder + pooling

    def _device(self) -> str:
        torch = import_optional("torch", extra="unet", purpose="The UNet segmenter")
        choice = check_choice(self.device, self.devices, name="device")
        if choice == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        if choice == "cuda" and not torch.cuda.is_available():
            msg = "device='cuda' but PyTorch sees no CUDA device; use device='auto' or 'cpu'."
            raise ValueError(msg)
        return choice

    @contextlib.contextmanager
    def _threads(self) -> Iterator[None]:
        torch = import_optional("torch", extra="unet", purpose="The UNet segmenter")
        if self.n_threads is None:
            yield
            return
        wanted = check_int(self.n_threads, name="n_threads", minimum=1)
        before = torch.get_num_threads()
        torch.set_num_threads(wanted)
        try:
            yield
        finally:
            torch.set_num_threads(before)

    def _fit(
        self,
        images: list[np.ndarray],
        truths: list[np.ndarray],
        fovs: list[np.ndarray | None],
        progress: Callable[..., None],
    ) -> None:
        from ._unet_torch import train

        start = time.perf_counter()

        def log(step: int, loss: float) -> None:
            progress("steps", step + 1, self.steps, loss=loss)
            if self.verbose and (step % 50 == 0 or step == self.steps - 1):
                print(f"unet step {step:5d}  loss {loss:.4f}  {time.perf_counter() - start:.0f} s")

        with self._threads():
            network, losses = train(
                images, truths, fovs,
                depth=check_int(self.depth, name="depth", minimum=2),
                base_channels=check_int(self.base_channels, name="base_channels", minimum=1),
                crop_size=self._check_multiple(self.crop_size, "crop_size"),
                batch_size=check_int(self.batch_size, name="batch_size", minimum=1),
                steps=check_int(self.steps, name="steps", minimum=1),
                learning_rate=check_positive(self.learning_rate, name="learning_rate"),
                augment=bool(self.augment),
                device=self._device(),
                seed=check_int(self.random_state, name="random_state", minimum=0),
                log=log,
            )  # fmt: skip
        self.network_ = network
        self.loss_history_ = losses
        self.n_parameters_ = sum(p.numel() for p in network.parameters())

    def _predict_proba(self, image: np.ndarray) -> np.ndarray:
        from ._unet_torch import predict_logits

        grid = self._grid()
        margin = -(-self.halo() // grid) * grid
        with self._threads():
            logits = predict_logits(
                self.network_, image,
                margin=margin, tile=self._check_multiple(self.tile_size, "tile_size"),
                device=self._device(),
            )  # fmt: skip
        return 1.0 / (1.0 + np.exp(-logits.astype(np.float64)))

    def _export_state(self) -> tuple[dict[str, Any], dict[str, bytes]]:
        st = import_optional("safetensors.torch", extra="unet", purpose="Storing a UNet")
        weights = {k: v.detach().cpu().contiguous() for k, v in self.network_.state_dict().items()}
        fields = {
            "loss_history_": [float(x) for x in self.loss_history_],
            "n_parameters_": int(self.n_parameters_),
        }
        return fields, {"weights": st.save(weights)}

    def _import_state(self, fields: dict[str, Any], blobs: dict[str, bytes]) -> None:
        st = import_optional("safetensors.torch", extra="unet", purpose="Reading a stored UNet")
        from safetensors import SafetensorError

        from ._unet_torch import UNetNetwork

        losses = fields.get("loss_history_")
        if (
            set(blobs) != {"weights"}
            or not isinstance(losses, list)
            or not all(isinstance(x, float) for x in losses)
        ):
            msg = "A stored UNet holds one blob 'weights' and a list of float losses."
            raise StateError(msg)
        network = UNetNetwork(
            check_int(self.depth, name="depth", minimum=2),
            check_int(self.base_channels, name="base_channels", minimum=1),
        )
        try:  # safetensors holds only named arrays: reading it runs no code
            weights = st.load(blobs["weights"])
            network.load_state_dict(weights, strict=True)  # names and shapes must match
        except (SafetensorError, RuntimeError, ValueError, OSError) as error:
            msg = f"The stored UNet weights do not fit this network: {error}"
            raise StateError(msg) from error
        self.network_ = network.eval()
        self.loss_history_ = losses
        self.n_parameters_ = sum(p.numel() for p in network.parameters())
