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
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from hydra.core.override_parser.types import Glob
from hydra.errors import HydraException
from omegaconf import MISSING, DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from algorithms import FILTERS, SEGMENTERS, UnknownNameError
from algorithms._validation import unknown_name_message
from bench.cli.overrides import (
    CONF_DIR,
    GROUPS,
    config_dirs,
    group_options,
    option_file,
    parse_overrides,
)
from bench.data.kinds import KINDS, FolderConfig
from bench.data.predictions import PREDICTIONS, PredictionsConfig
from bench.metrics import METRICS
from bench.metrics import get as get_metric
from bench.metrics import select as select_metrics
from bench.run.plan import Plan, make_plan, schema_for

__all__ = [
    "RUNNER_SCHEMAS",
    "BenchConfig",
    "ConfigError",
    "DaskRunnerConfig",
    "DatasetConfig",
    "ReportConfig",
    "TiledRunnerConfig",
    "check_override_keys",
    "dataset_config",
    "default_choices",
    "run_metrics",
    "schema_for",
    "validate",
]


class ConfigError(ValueError):
    """A composed configuration that does not fit its schema."""


DatasetConfig = FolderConfig
"""The schema of the ``dataset`` group (a folder dataset's settings, a superset of a volume's,
and the metric set its field's boards show)."""


@dataclass
class OutputConfig:
    """What each run writes besides its tables."""

    overlays: bool = True
    histograms: bool = True
    masks: bool = False


@dataclass
class ReportConfig:
    """The report written at the end of a ``-m`` sweep (see ``bench.report.build``)."""

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
    """``runner=tiled``: tile by tile on threads of this process (:mod:`bench.scale.tiling`)."""

    name: str = "tiled"
    tile: list[int] | None = field(default_factory=lambda: [1024, 2048])
    workers: int = 1
    stack_histogram: bool = False
    progress: bool = True


@dataclass
class DaskRunnerConfig(TiledRunnerConfig):
    """``runner=dask``: tile by tile on a Dask cluster (:mod:`bench.scale.engines`)."""

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
    quiet: bool = False  # no progress output (also: --quiet)
    # metrics=[f1,pfm,drd] or metrics=dibco (a group): the run's metrics; null: the
    # dataset's set (dataset.metrics).
    metrics: Any = None


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
            where = f" for {group} {name!r}"
            raise ConfigError(
                unknown_name_message("parameter", key, valid, where=where, listing="Valid")
            )
    try:
        typed = OmegaConf.merge(OmegaConf.structured(schema), node)
    except OmegaConfBaseException as error:
        msg = f"Invalid {group} config for {name!r}: {error}"
        raise ConfigError(msg) from error
    return OmegaConf.to_container(typed)  # type: ignore[return-value]


def _explicit_algo_keys() -> set[str]:
    """The ``algo.<key>`` parameters set on the command line of this Hydra run."""
    from hydra.core.hydra_config import HydraConfig

    if not HydraConfig.initialized():
        return set()
    keys = set()
    for override in HydraConfig.get().overrides.task:
        key = override.split("=", 1)[0].lstrip("+~")
        if key.startswith("algo."):
            keys.add(key.removeprefix("algo."))
    return keys


def _with_dataset_defaults(cfg: DictConfig, algo: dict[str, Any]) -> dict[str, Any]:
    """``algo`` with the dataset's ``method_defaults`` for it, below the command line's."""
    name = algo["name"]
    declared = OmegaConf.select(cfg, f"dataset.method_defaults.{name}", default=None)
    if not declared:
        return algo
    declared = OmegaConf.to_container(declared, resolve=True)
    valid = [f.name for f in dataclasses.fields(schema_for("algo", name))]
    explicit = _explicit_algo_keys()
    for key, value in declared.items():
        if key not in valid:
            where = f" in dataset.method_defaults.{name}"
            raise ConfigError(
                unknown_name_message("parameter", key, valid, where=where, listing="Valid")
            )
        if key not in explicit:
            algo[key] = value
    return algo


def validate(cfg: DictConfig) -> Plan:
    """Check the ``algo`` and ``filter`` nodes and build the run's plan from them, once.

    The segmenter and the filter are instantiated and their parameters
    checked here (an even window, say, fails before any image is read); the
    plan is then bound to the dataset (:meth:`bench.run.plan.Plan.on`) and run.
    The dataset's ``method_defaults`` (the field's parameters for its
    baselines) replace the constructor's defaults; a parameter given on the
    command line (``algo.k=0.5``) wins over both.
    """
    checked = {group: _check_group(cfg, group) for group in ("algo", "filter")}
    checked["algo"] = _with_dataset_defaults(cfg, checked["algo"])
    if checked["algo"]["name"] == PREDICTIONS and checked["filter"]["name"] != "none":
        # The config's default filter (median) composes with every algo: predictions are
        # read, not computed from the image, so their run has no filter, and says so.
        print(
            f"segbench: filter {checked['filter']['name']} does not apply to predictions "
            "(they are read, not computed from the image); scoring them with filter=none",
            file=sys.stderr,
        )
        checked["filter"] = {"name": "none"}
    metric = OmegaConf.select(cfg, "report.metric", default="mcc")
    if metric not in METRICS:
        # The sweep report's threshold curves and regret need a count-based score;
        # bench.report.leaderboard ranks on any metric of the table.
        msg = f"Unknown report.metric {metric!r}; choose one of {', '.join(METRICS)}."
        raise ConfigError(msg)
    return make_plan(
        None, [checked["algo"]], [checked["filter"]],
        score_split=str(OmegaConf.select(cfg, "score_split", default="auto")),
        allow_train_eval=bool(OmegaConf.select(cfg, "allow_train_eval", default=False)),
        metrics=run_metrics(cfg),
        best_metric=metric,
    )  # fmt: skip


def run_metrics(cfg: DictConfig) -> list[str]:
    """The run's metric names: ``metrics=`` when given, else the dataset's set.

    A tiled runner computes only metrics that add up over tiles: the
    dataset's set is then trimmed to those (with a note on stderr), while an
    explicit ``metrics=`` naming others is refused by the runner.
    """
    explicit = OmegaConf.select(cfg, "metrics", default=None)
    chosen = explicit if explicit is not None else OmegaConf.select(cfg, "dataset.metrics")
    chosen = OmegaConf.to_container(chosen) if OmegaConf.is_config(chosen) else chosen
    try:
        names = select_metrics(chosen or [])
    except ValueError as error:
        raise ConfigError(str(error)) from None
    runner = OmegaConf.select(cfg, "runner.name", default="local")
    if explicit is None and runner != "local":
        whole = [n for n in names if get_metric(n).tiling != "additive"]
        if whole:
            print(
                f"segbench: runner={runner} skips the dataset's metrics that need whole "
                f"images ({', '.join(whole)}); runner=local computes them.",
                file=sys.stderr,
            )
            names = [n for n in names if n not in whole]
    return names


def register_configs() -> None:
    """Store the schemas in Hydra's ConfigStore (idempotent)."""
    store = ConfigStore.instance()
    store.store(name="bench_schema", node=BenchConfig)
    # One schema per registered segmenter and filter, its defaults the constructor's: each
    # conf/algo/<name>.yaml (conf/filter/...) extends /schema/algo/<name> and holds only
    # the name, the command comment and deliberate overrides.
    for kind in KINDS.values():  # each dataset kind's settings, typed
        store.store(group="schema/dataset", name=kind.name, node=kind.config)
    for group, registry in (("algo", SEGMENTERS), ("filter", FILTERS)):
        for name in registry.available():
            store.store(group=f"schema/{group}", name=name, node=schema_for(group, name))
    store.store(group="schema/algo", name=PREDICTIONS, node=PredictionsConfig)
    for name, schema in RUNNER_SCHEMAS.items():
        store.store(group="runner", name=f"{name}_schema", node=schema)


def dataset_config(name: str, conf_dirs: Sequence[Path] | None = None) -> dict[str, Any]:
    """A named dataset config (``<conf>/dataset/<name>.yaml``) composed and resolved.

    What ``python -m bench dataset=<name>`` would use, as a plain dict for
    :func:`bench.data.from_config`. ``conf_dirs`` are the folders of named
    configs (default: ``conf/`` and those of ``$SEGBENCH_CONFIG``).
    """
    from hydra import compose, initialize_config_dir

    dirs = config_dirs() if conf_dirs is None else list(conf_dirs)
    options = group_options("dataset", dirs)
    if name not in options:
        raise ValueError(unknown_name_message("dataset", name, options))
    register_configs()
    extra = [str(Path(d).resolve()) for d in dirs if Path(d).resolve() != CONF_DIR]
    overrides = [f"dataset={name}"]
    if extra:
        overrides.append(f"hydra.searchpath=[{','.join(extra)}]")
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides)
    return OmegaConf.to_container(cfg.dataset, resolve=True)  # type: ignore[return-value]


def default_choices(conf_dir: Path = CONF_DIR) -> dict[str, str]:
    """The option of each config group that ``conf/config.yaml`` picks by default."""
    defaults = OmegaConf.to_container(OmegaConf.load(conf_dir / "config.yaml")).get("defaults", [])
    return {
        key: str(value)
        for entry in defaults
        if isinstance(entry, dict)
        for key, value in entry.items()
        if key in GROUPS
    }


_NODE_SCHEMAS: dict[str, type] = {
    "dataset": DatasetConfig,
    "output": OutputConfig,
    "report": ReportConfig,
}


def _option_keys(group: str, option: str, dirs: Sequence[Path]) -> tuple[str, list[str]] | None:
    """(label, valid keys) of ``group=option``; None where nothing can be said before Hydra."""
    path = option_file(group, option, dirs)
    node = OmegaConf.to_container(OmegaConf.load(path)) if path else {}
    node = node if isinstance(node, dict) else {}
    own = [k for k in node if k != "defaults"]
    if group == "runner":
        schema = RUNNER_SCHEMAS.get(str(node.get("name", option)))
        return (option, [f.name for f in dataclasses.fields(schema)]) if schema else None
    if group == "dataset":
        return option, [f.name for f in dataclasses.fields(DatasetConfig)]
    name = str(node.get("name", option))
    try:
        schema = schema_for(group, name)
    except UnknownNameError:
        return None  # an option naming no registered class: validate() says so after Hydra
    return option, list(dict.fromkeys([f.name for f in dataclasses.fields(schema)] + own))


def check_override_keys(args: Sequence[str], conf_dirs: Sequence[Path] | None = None) -> str | None:
    """A message for the first ``node.key=value`` among ``args`` whose key does not exist.

    Every config node is checked: ``algo`` and ``filter`` against the chosen
    method's parameters (for each option of a sweep), ``runner`` against its
    schema, ``dataset``, ``output`` and ``report`` against theirs, and
    top-level keys against :class:`BenchConfig`. Keys meant as additions are
    written ``+node.key=value`` (Hydra's syntax) and are not checked here;
    ``hydra.*`` is Hydra's. Returns None when every key exists.
    """
    try:
        overrides = parse_overrides(args)
    except HydraException:
        return None  # Hydra reports syntax errors itself
    dirs = config_dirs(args) if conf_dirs is None else list(conf_dirs)
    chosen: dict[str, list[str]] = {g: [o] for g, o in default_choices().items()}
    for override in overrides:
        group = override.key_or_group
        if group in GROUPS and not override.is_delete() and not isinstance(override.value(), Glob):
            if override.is_sweep_override():
                chosen[group] = list(override.sweep_string_iterator())
            else:
                chosen[group] = [str(override.value())]
    top = [f.name for f in dataclasses.fields(BenchConfig)]
    for override in overrides:
        if override.is_add() or override.is_force_add() or override.is_delete():
            continue
        key = override.key_or_group
        node, _, rest = key.partition(".")
        if node == "hydra" or "/" in key or override.package:
            continue  # Hydra's own settings, and nested groups (hydra/launcher=...): Hydra's
        if not rest:
            if node not in top:
                return _unknown_key(override, key, "the config", top)
            continue
        sub = rest.split(".")[0]
        if node in _NODE_SCHEMAS:
            valid = [f.name for f in dataclasses.fields(_NODE_SCHEMAS[node])]
            if node == "dataset":
                for option in chosen.get("dataset", []):
                    path = option_file("dataset", option, dirs)
                    loaded = OmegaConf.to_container(OmegaConf.load(path)) if path else {}
                    valid += [k for k in (loaded or {}) if k not in valid and k != "defaults"]
            if sub not in valid:
                return _unknown_key(override, sub, node, valid)
        elif node in ("algo", "filter", "runner"):
            for option in chosen.get(node, []):
                found = _option_keys(node, option, dirs)
                if found is not None and sub not in found[1]:
                    return _unknown_key(override, sub, f"{node} {found[0]!r}", found[1])
        elif node not in top:
            return _unknown_key(override, node, "the config", top)
    return None


def _unknown_key(override: Any, key: str, where: str, valid: Sequence[str]) -> str:
    text = override.input_line or f"{override.key_or_group}=..."
    message = unknown_name_message("parameter", key, valid, where=f" for {where}", listing="Valid")
    return f"{message} (A new key on purpose is written +{text}.)"
