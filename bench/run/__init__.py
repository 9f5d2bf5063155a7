"""Running a benchmark: what to compute (the plan), how (the stages), where (the executors).

- :mod:`~bench.run.whole_image`: the executor for images held in memory;
- :mod:`~bench.run.tiled`: the executor for images read tile by tile
  (threads or Dask, through :mod:`bench.scale`);
- :mod:`~bench.run.learned`: fitting (and caching) learned segmenters once per run.
"""
