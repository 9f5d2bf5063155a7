"""Typed configuration: dataclass schemas for Hydra, built from the registries.

The top-level schema (:class:`BenchConfig`) is registered in Hydra's
ConfigStore as ``bench_schema``; ``conf/config.yaml`` extends it. The
``algo`` and ``filter`` groups are typed by schemas generated from each
registered class's constructor, so every method added to ``algorithms`` is
typed without writing a dataclass by hand. :func:`validate` checks a composed
config against them: an unknown key or a wrong type is an error naming the
valid keys and the closest match.
"""

from __future__ import annotations

import dataclasses
import difflib
import inspect
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

import algorithms
from algorithms import FILTERS, SEGMENTERS

from .metrics import METRICS
from .overrides import CONF_DIR, group_options

__all__ = [
    "RUNNER_SCHEMAS",
    "BenchConfig",
    "ConfigError",
    "DaskRunnerConfig",
    "DatasetConfig",
    "ReportConfig",
    "TiledRunnerConfig",
    "dataset_config",
    "schema_for",
    "validate",
]


class ConfigError(ValueError):
    """A composed configuration that does not fit its schema."""


@dataclass
class DatasetConfig:
    """Where the images and masks are, and how to read them (see ``bench.datasets``)."""

    name: str = MISSING
    root: str | None = None  # None: the sample bundled with the package
    images: str | None = "images"  # folders, relative to root (or absolute); required
    masks: str | None = "masks"
    image_pattern: str = "{id}.png"  # pairing: {id} is the shared part, * any characters
    mask_pattern: str = "{id}.png"
    truth_value: Any = 255  # an integer, or "nonzero"
    polarity: str = "bright"  # "bright", "dark" objects, or "auto" (decided per image)
    grey: str = "mean"  # colour to grey: "mean" (ImageJ) or "luminance" (BT.601)
    instance_masks: bool = False  # mask_pattern names a folder of per-object masks
    fov: str | None = None  # folder of field-of-view masks; None: the whole image
    fov_pattern: str = "{id}.png"
    fov_value: Any = 255  # the value inside the field of view, or "nonzero"
    fov_for_threshold: bool = True  # global thresholds estimated inside the field of view
    unpaired: str = "error"  # files without a partner: "error", or "skip" (with a warning)
    split: str = "all"  # "all", "train" or "test" (seeded hash of each sample id)
    test_fraction: float = 0.3  # bench.datasets.splits.DEFAULT_TEST_FRACTION
    seed: int = 0
    limit: int | None = None  # at most N samples (after the split)
    max_pixels: int = 268435456  # largest page (2**28 px), checked from headers before decoding
    second_observer: str | None = None  # folder of a second annotation (bench.second_observer)
    second_observer_pattern: str | None = None  # its file pattern; None: mask_pattern


@dataclass
class OutputConfig:
    """What each run writes besides its tables."""

    overlays: bool = True
    histograms: bool = True


@dataclass
class ReportConfig:
    """The report written at the end of a ``-m`` sweep (see ``bench.report``)."""

    enabled: bool = True
    metric: str = "mcc"
    resamples: int = 2000
    seed: int = 0


@dataclass
class LocalRunnerConfig:
    """``runner=local``: each image whole, in memory."""

    name: str = "local"


@dataclass
class TiledRunnerConfig:
    """``runner=tiled``: tile by tile on threads of this process (:mod:`bench.tiling`)."""

    name: str = "tiled"
    tile: list[int] = field(default_factory=lambda: [1024, 2048])
    workers: int = 1
    stack_histogram: bool = False
    progress: bool = True


@dataclass
class DaskRunnerConfig(TiledRunnerConfig):
    """``runner=dask``: tile by tile on a Dask cluster (:mod:`bench.distributed`)."""

    name: str = "dask"
    address: str | None = None
    workers: int | None = None  # type: ignore[assignment]


RUNNER_SCHEMAS = {"local": LocalRunnerConfig, "tiled": TiledRunnerConfig, "dask": DaskRunnerConfig}


@dataclass
class BenchConfig:
    """The whole run: ``python -m bench algo=li filter.size=5 repeat=5``."""

    algo: Any = MISSING
    filter: Any = MISSING
    runner: Any = MISSING
    dataset: DatasetConfig = field(default_factory=DatasetConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    repeat: int = 1
    # Which side of the dataset's split (dataset.seed, dataset.test_fraction) is scored:
    # auto = learned methods on test images only, the others on every image; test | train | all.
    score_split: str = "auto"
    allow_train_eval: bool = False  # score learned methods on their training images too
    cache_dir: str | None = "results/cache"  # fitted learned models; null: always refit


def _annotation(default: Any) -> Any:
    if isinstance(default, bool):
        return bool
    if isinstance(default, int):
        return int
    if isinstance(default, float):
        return float
    if isinstance(default, str):
        return str
    return Any


@cache
def schema_for(group: str, name: str) -> type:
    """A dataclass typing the config of one registered segmenter or filter."""
    registry = {"algo": SEGMENTERS, "filter": FILTERS}[group]
    cls = registry.get_class(name)
    fields: list[tuple[str, Any, Any]] = [("name", str, field(default=cls.name))]
    for param in inspect.signature(cls.__init__).parameters.values():
        if param.name == "self" or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        default = None if param.default is inspect.Parameter.empty else param.default
        fields.append((param.name, _annotation(default), field(default=default)))
    return dataclasses.make_dataclass(f"{cls.__name__}{group.title()}Config", fields)


def _check_group(cfg: DictConfig, group: str) -> dict[str, Any]:
    node = OmegaConf.to_container(cfg[group], resolve=True)
    if not isinstance(node, dict) or "name" not in node:
        msg = f"The {group!r} config needs a 'name'; got {node!r}."
        raise ConfigError(msg)
    name = node["name"]
    schema = schema_for(group, name)
    valid = [f.name for f in dataclasses.fields(schema)]
    for key in node:
        if key not in valid:
            close = difflib.get_close_matches(key, valid, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            msg = (
                f"Unknown parameter {key!r} for {group} {name!r}.{hint} Valid: {', '.join(valid)}."
            )
            raise ConfigError(msg)
    try:
        typed = OmegaConf.merge(OmegaConf.structured(schema), node)
    except OmegaConfBaseException as error:
        msg = f"Invalid {group} config for {name!r}: {error}"
        raise ConfigError(msg) from error
    return OmegaConf.to_container(typed)  # type: ignore[return-value]


def validate(cfg: DictConfig) -> dict[str, dict[str, Any]]:
    """Check the ``algo`` and ``filter`` nodes; return them as plain dicts.

    Also instantiates both, so a bad parameter value (an even window, say)
    fails here, before any image is read.
    """
    checked = {group: _check_group(cfg, group) for group in ("algo", "filter")}
    metric = OmegaConf.select(cfg, "report.metric", default="mcc")
    if metric not in METRICS:
        msg = f"Unknown report.metric {metric!r}; choose one of {', '.join(METRICS)}."
        raise ConfigError(msg)
    params = dict(checked["algo"])
    algorithms.get(params.pop("name"), **params).halo()
    params = dict(checked["filter"])
    algorithms.get_filter(params.pop("name"), **params).halo()
    return checked


def register_configs() -> None:
    """Store the schemas in Hydra's ConfigStore (idempotent)."""
    store = ConfigStore.instance()
    store.store(name="bench_schema", node=BenchConfig)
    for name, schema in RUNNER_SCHEMAS.items():
        store.store(group="runner", name=f"{name}_schema", node=schema)


def dataset_config(name: str) -> dict[str, Any]:
    """A named dataset config (``conf/dataset/<name>.yaml``) composed and resolved.

    What ``python -m bench dataset=<name>`` would use, as a plain dict for
    :func:`bench.datasets.from_config`.
    """
    from hydra import compose, initialize_config_dir

    options = group_options("dataset")
    if name not in options:
        close = difflib.get_close_matches(name, options, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        msg = f"Unknown dataset {name!r}.{hint} Available: {', '.join(options)}."
        raise ValueError(msg)
    register_configs()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=[f"dataset={name}"])
    return OmegaConf.to_container(cfg.dataset, resolve=True)  # type: ignore[return-value]
