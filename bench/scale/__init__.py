"""Images larger than memory: tiles, lazily read volumes, the tile store, engines.

- :mod:`~bench.scale.tiling`: the tile grid, halos, per-tile histograms, ``segment_tiled``;
- :mod:`~bench.scale.volumes`: 2-D images and 3-D stacks in files, read region by region;
- :mod:`~bench.scale.tile_store`: per-tile records on disk, so a run resumes where it stopped;
- :mod:`~bench.scale.engines`: where tiles run — threads of this process, or a Dask cluster.
"""
