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

__all__ = [
    "BenchConfig",
    "ConfigError",
    "DatasetConfig",
    "SplitConfig",
    "schema_for",
    "validate",
]


class ConfigError(ValueError):
    """A composed configuration that does not fit its schema."""


@dataclass
class DatasetConfig:
    """Where the images and masks are, and how to read them."""

    name: str = MISSING
    root: str | None = None  # None: the sample bundled with the package
    images: str = "images"
    masks: str = "masks"
    image_pattern: str = "{id}.png"
    mask_pattern: str = "{id}.png"
    truth_value: Any = 255  # an integer, or "nonzero"
    polarity: str = "bright"  # "bright" or "dark" objects


@dataclass
class OutputConfig:
    """What each run writes besides its tables."""

    overlays: bool = True
    histograms: bool = True


@dataclass
class SplitConfig:
    """The train/test rule (``bench.splits``) and which side is scored."""

    seed: int = 0
    test_fraction: float = 0.3
    score: str = "auto"  # auto | test | train | all (see bench.evaluate)


@dataclass
class BenchConfig:
    """The whole run: ``python -m bench algo=li filter.size=5 repeat=5``."""

    algo: Any = MISSING
    filter: Any = MISSING
    dataset: DatasetConfig = field(default_factory=DatasetConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    repeat: int = 1
    split: SplitConfig = field(default_factory=SplitConfig)
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
    params = dict(checked["algo"])
    algorithms.get(params.pop("name"), **params).halo()
    params = dict(checked["filter"])
    algorithms.get_filter(params.pop("name"), **params).halo()
    return checked


def register_configs() -> None:
    """Store the top-level schema in Hydra's ConfigStore (idempotent)."""
    ConfigStore.instance().store(name="bench_schema", node=BenchConfig)
