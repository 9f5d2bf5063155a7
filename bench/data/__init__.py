"""Datasets: pairs of images and ground-truth masks, read one at a time.

A dataset yields :class:`Sample` objects. The image is returned as stored,
colour converted to grey (the runner applies the polarity rule); the truth
is already a boolean mask by the dataset's ``truth_value`` rule.

=================  ===========================================================
module             what it holds
=================  ===========================================================
``sample``         :class:`Sample`, :func:`invert`
``readers``        :func:`read_image`, :func:`read_truth`, every file format
``pairing``        ``{id}`` patterns that pair images with their masks
``folder``         :class:`FolderDataset`: folders → samples, lazily
``polarity``       ``polarity: auto``: bright or dark objects, from the image
``splits``         :func:`split_of`: the seeded train/test split
``fingerprint``    the content hash written in each result row
``configs``        :func:`from_config` (``conf/dataset/*.yaml``), the built-in sample
``predictions``    another tool's masks or score maps, paired with the samples by ``{id}``
``paths``          where a relative folder is looked for
=================  ===========================================================

Examples
--------
Any folder of images with masks of the same names:

>>> from bench.data import FolderDataset
>>> dataset = FolderDataset("mine", images="data/images", masks="data/masks")  # doctest: +SKIP
>>> train = dataset.subset(split="train")                                      # doctest: +SKIP
"""

from __future__ import annotations

from bench.data.configs import builtin_root, builtin_sample, from_config, method_specs
from bench.data.fingerprint import content_hash
from bench.data.folder import UNPAIRED_RULES, DatasetWarning, Entry, FolderDataset
from bench.data.kinds import KINDS, FolderConfig, dataset_from_config, register_kind
from bench.data.pairing import pattern_regex
from bench.data.paths import REPO_ROOT, resolve_path
from bench.data.polarity import POLARITY_RULES, decide_polarity, resolve_polarity
from bench.data.readers import (
    GREY_RULES,
    page_count,
    read_image,
    read_instances,
    read_truth,
    to_grey,
    value_mask,
)
from bench.data.sample import POLARITIES, Sample, invert
from bench.data.splits import SPLITS, Split, split_counts, split_of

__all__ = [
    "GREY_RULES",
    "KINDS",
    "POLARITIES",
    "POLARITY_RULES",
    "REPO_ROOT",
    "SPLITS",
    "UNPAIRED_RULES",
    "DatasetWarning",
    "Entry",
    "FolderConfig",
    "FolderDataset",
    "Sample",
    "Split",
    "builtin_root",
    "builtin_sample",
    "content_hash",
    "dataset_from_config",
    "decide_polarity",
    "from_config",
    "invert",
    "method_specs",
    "page_count",
    "pattern_regex",
    "read_image",
    "read_instances",
    "read_truth",
    "register_kind",
    "resolve_path",
    "resolve_polarity",
    "split_counts",
    "split_of",
    "to_grey",
    "value_mask",
]
