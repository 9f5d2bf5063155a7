"""Running a benchmark: what to compute (the plan), how (the stages), where (the executors).

- :mod:`~bench.run.plan`: the resolved configurations, grouped by filter, with
  the dataset, the split policy and what each group shares;
- :mod:`~bench.run.stages`: each stage written once — :func:`~bench.run.stages.prepare`
  (orient, then filter), the row of the results table, warm-up and timing;
- :mod:`~bench.run.loop`: the one sample loop that drives every executor;
- :mod:`~bench.run.whole_image`: the executor for images held in memory;
- :mod:`~bench.run.tiled`: the executor for images read tile by tile
  (threads or Dask, through :mod:`bench.scale`);
- :mod:`~bench.run.learned`: fitting (and caching) learned segmenters once per run;
- :mod:`~bench.run.curves`: every threshold at once (the exact score-versus-threshold
  curve), and the ranking scores of a score map (ROC AUC, average precision).

A new executor: a class with ``rows(plan, sample, side, fits, on_result)``
and ``finish()``, handed to :func:`bench.run.loop.run_plan` (see
:class:`~bench.run.whole_image.WholeImage`).
"""
