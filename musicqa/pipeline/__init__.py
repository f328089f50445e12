"""The build as a pipeline of stages, and the executors that run it.

    sources --ReadStage--> Clip --AudioStage--> audio record --AnalysisStage--> facts --RenderStage--> PromptRequest
        --GenerateStage--> stored reply --ParseStage--> QAPair --FilterStage--> kept pair --BundleStage--> dataset

Each stage is a small object made from its own config section (``driver.Build``) that works on a batch and says
what happened to each item (a RowError, an audio record with a reason, a parse status, a filter's drop reason).
Each has a step (``driver.Step``): its part on the driver, which takes what the steps before it left in the build's
``BuildState``, has the stage's work done, stores it and counts its outcome into ``BuildSummary``.
``executor.Executor.run`` runs the steps in order; retry, resume keys, seeds, engine batches and the counting live
in the steps, the stages and the store, so an executor only decides where the audio, analysis, generate, filter
(parse + filters + mcq checks, per batch of clips) and judge work runs:

- ``local.LocalExecutor``: in this process (``python -m musicqa build``);
- ``ray.RayExecutor``: in Ray Data ``map_batches`` tasks, engine and filter actors (``--executor ray``), so both give
  the same dataset from one config.
"""

from musicqa.pipeline.driver import Build, BuildState
from musicqa.pipeline.local import LocalExecutor
from musicqa.pipeline.summary import BuildSummary

__all__ = ["Build", "BuildState", "BuildSummary", "LocalExecutor"]
