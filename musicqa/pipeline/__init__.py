"""The build as a pipeline of stages, and the executors that run it.

    sources --ReadStage--> Clip --AudioStage--> audio record --RenderStage--> PromptRequest
        --GenerateStage--> stored reply --parse--> QAPair --FilterStage--> kept pair --bundle--> dataset folder

Each stage is a small object made from its own config section (``driver.Build``); it says what happened to
each item (a RowError, an audio record with a reason, a parse status, a filter's drop reason) and the executor
counts it into ``BuildSummary``. Retry, resume keys, seeds, engine batches and parsing live in the stages, the
store and ``executor.Executor``, so an executor only decides where ``Build.audio``, ``Build.analysis``,
``Build.generate`` and ``Build.filters`` (parse + filters + mcq checks, per batch of clips) run:

- ``local.LocalExecutor``: in this process (``python -m musicqa build``);
- ``ray.RayExecutor``: in Ray Data ``map_batches`` tasks, engine and filter actors (``--executor ray``), so both give
  the same dataset from one config.
"""

from musicqa.pipeline.driver import Build
from musicqa.pipeline.local import LocalExecutor
from musicqa.pipeline.summary import BuildSummary

__all__ = ["Build", "BuildSummary", "LocalExecutor"]
