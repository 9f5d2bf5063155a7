"""One source of parameter defaults: the constructor; a YAML holds only deliberate overrides.

Every ``conf/algo/<name>.yaml`` and ``conf/filter/<name>.yaml`` extends the
schema generated from the class's constructor (``/schema/<group>/<name>``,
registered by :func:`bench.cli.config.register_configs`), so ``python -m bench
algo=<name>`` and ``algorithms.get("<name>")`` are the same method. A YAML may
still set a parameter to another value on purpose: it then marks the line
``key: value  # override: <why>``. Composing every option, any value that
differs from the constructor's default without that mark is an error here.
"""

from __future__ import annotations

import inspect
import re

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from algorithms import FILTERS, SEGMENTERS
from bench.cli.config import register_configs
from bench.cli.overrides import CONF_DIR, group_options
from bench.data.predictions import PREDICTIONS, PredictionFolder

register_configs()
REGISTRIES = {"algo": SEGMENTERS, "filter": FILTERS}
OVERRIDE = re.compile(r"^(\w+):.*#\s*override:\s*\S")


def _marked_overrides(text: str) -> set[str]:
    """Keys whose line in a YAML ``text`` carries ``# override: <why>``."""
    return {m.group(1) for line in text.splitlines() if (m := OVERRIDE.match(line))}


def _defaults(cls: type) -> dict[str, object]:
    params = inspect.signature(cls.__init__).parameters.values()
    return {
        p.name: list(p.default) if isinstance(p.default, tuple) else p.default
        for p in params
        if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    }


@pytest.mark.parametrize(
    ("group", "option"), [(g, o) for g in REGISTRIES for o in group_options(g)]
)
def test_yaml_values_are_the_constructor_defaults_unless_marked(group: str, option: str) -> None:
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=[f"{group}={option}"])
    node = OmegaConf.to_container(cfg[group], resolve=True)
    assert isinstance(node, dict)
    name = node.pop("name")
    assert name == option, f"conf/{group}/{option}.yaml names {name!r}"
    # algo=predictions is the harness's own (another tool's masks), not a registered segmenter
    cls = PredictionFolder if (group, name) == ("algo", PREDICTIONS) else None
    defaults = _defaults(cls or REGISTRIES[group].get_class(name))
    defaults.pop("arrays", None)  # predictions held in memory: Python only (bench.score)
    assert set(node) == set(defaults), "the composed node has exactly the constructor's keys"
    path = CONF_DIR / group / f"{option}.yaml"
    marked = _marked_overrides(path.read_text())
    differing = {key for key, value in node.items() if value != defaults[key]}
    unmarked = {k: (node[k], defaults[k]) for k in sorted(differing - marked)}
    assert not unmarked, (
        f"{path}: (YAML value, constructor default) differ for {unmarked}; change the constructor, "
        "drop the YAML value, or mark the line '# override: <why>'"
    )
    assert not marked - differing, f"{path}: marked as overrides but equal to the defaults"


def test_the_override_mark_is_read_from_the_line() -> None:
    text = "name: x\noffset: -20.0   # override: sparse objects\nk: 1  # weight\n#   r: doc\n"
    assert _marked_overrides(text) == {"offset"}
