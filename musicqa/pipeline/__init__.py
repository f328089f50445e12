"""The build as a pipeline of stages, and the executors that run it.

    sources --ReadStage--> Clip --AudioStage--> audio record --RenderStage--> PromptRequest
        --GenerateStage--> stored reply --parse--> QAPair --FilterStage--> kept pair --bundle--> dataset folder

Each stage is a small object made from its own config section (``driver.Build``); it says what happened to
each item (a RowError, an audio record with a reason, a parse status, a filter's drop reason) and the executor
counts it into ``BuildSummary``. Retry, resume keys, seeds and parsing live in the stages and the store, so an
executor only decides where the stages run:

- ``local.LocalExecutor``: in this process (``python -m musicqa build``);
- a Ray Data executor (issue #11) runs ``Build.audio`` and ``Build.generate`` in ``map_batches`` workers and
  the rest with the same ``driver`` functions, so both give the same dataset from one config.
"""

from musicqa.pipeline.driver import Build
from musicqa.pipeline.local import LocalExecutor
from musicqa.pipeline.summary import BuildSummary

__all__ = ["Build", "BuildSummary", "LocalExecutor"]
