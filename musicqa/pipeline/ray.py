"""The Ray Data executor (``--executor ray``): the build's audio, engine and per-pair stages spread over a cluster.

    clips (driver) -> map_batches(normalise, CPU tasks) -> audio.jsonl (driver)
    normalised clips (driver) -> map_batches(measure, CPU tasks) -> analysis.jsonl (driver)
    requests (driver) -> engine batches -> map_batches(EngineActor, N actors) -> generations.jsonl (driver)
    clips + replies (driver) -> filter batches -> map_batches(FilterActor, CPU actors) -> duplicates across clips
        (driver)
    kept pairs' judge requests (driver) -> batches -> map_batches(JudgeActor, N actors) -> judgements.jsonl (driver)
    -> rows, bundle (driver)

Everything else (reading the sources, rendering, resume, the duplicate filter across clips, bundle, card) is
``Executor.run`` on the driver, as under the local executor, with the same stage objects: a task gets a pickled
copy of ``Build.audio``, an engine actor one of ``Build.generate``, which loads its own engine when the actor
starts, a filter actor one of ``Build.filters``, which loads the sentence embedder once and judges batch after
batch with it (each batch from an empty embedding cache, so whichever actor takes it judges it alike).

- One Ray Data row is one engine batch (``engine_batches``, cut on the driver), and an actor makes exactly the
  engine calls ``GenerateStage.run`` makes for it locally: the batch, then its own retries. So every vLLM call
  sees the same requests in the same order under both executors, whichever replica takes it, and the two
  builds give the same dataset (``musicqa/pipeline/generate.py`` explains why a call, not a request, is fixed).
- Workers never write the stores: a batch's records travel back with its row and the driver appends them
  (fsync per engine call). An actor killed mid-batch therefore leaves nothing behind; Ray restarts it
  (``max_restarts``), resubmits its batches (``max_task_retries``), and each batch is stored once, when its row
  arrives (a row seen twice is dropped). Killing the driver loses the batches in flight; a rerun, with either
  executor, sends only the keys the store lacks. (Ray Data retries without end by default: a batch that kills
  its actor every time, e.g. out of memory, needs the build stopped and a smaller ``--engine.batch-size``.)
- ``ray.data.llm``'s ``build_llm_processor`` was not used: it drives its own ``AsyncLLMEngine`` with up to 8
  Ray Data batches in flight per actor and yields replies as they complete, so which requests share a vLLM step
  depends on timing (replies would not be reproducible), and it would replace ``VllmEngine``/``GenerateStage``
  (chat template file, per-request seeds, parse and retry) with a second implementation of each.
- The audio tasks write their FLAC files under ``OUT/work/audio`` and read the sources' audio where the driver
  does: on a cluster, ``--out`` and the audio folders must be on a filesystem every node mounts at the same
  path. A task on a node that does not see ``OUT/work`` stops the build with a line naming the node.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import socket
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from musicqa.analysis import AnalysisStage
from musicqa.errors import AudioError, InputError
from musicqa.pipeline.driver import Build
from musicqa.pipeline.executor import Executor
from musicqa.pipeline.generate import BatchResult, GenerateStage
from musicqa.pipeline.pairs import FilterBatch, FilterResult, FilterStage
from musicqa.pipeline.stages import AudioStage
from musicqa.records import Clip, PromptRequest

if TYPE_CHECKING:
    from musicqa.build_config import BuildConfig
    from musicqa.pipeline.summary import BuildSummary

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5.0
ENGINE_START_TIMEOUT_S = 3600  # loading a 7B model, its weights fetched from the hub on first use


class RayExecutor(Executor):
    """Runs a build's audio and engine stages on a Ray cluster (``[ray]`` config), the rest on this driver."""

    def __init__(self) -> None:
        self.options: Any = None  # the build's RayConfig, set by run
        self.batches: list[dict[str, Any]] = []  # per engine batch: index, requests, node, pid, started, seconds
        self._started = False  # whether this executor called ray.init (then it also shuts Ray down)

    def run(self, cfg: BuildConfig) -> BuildSummary:
        self.options = cfg.ray
        opts = cfg.ray
        try:
            if opts.address or opts.gpus_per_engine:  # joined before any work: a wrong address or size stops it
                if opts.address:
                    check_address(opts.address)  # ray.init would retry an unreachable address for minutes
                self.connect()
                import ray

                check_fits(ray.nodes(), opts.engine_replicas, opts.cpus_per_engine, opts.gpus_per_engine)
            else:  # CPU only: the local cluster ray.init would start is this machine's CPUs; checked without it
                check_fits(local_nodes(), opts.engine_replicas, opts.cpus_per_engine, opts.gpus_per_engine)
            return super().run(cfg)  # a local cluster starts only once there is work for it
        finally:
            self.close()

    def connect(self) -> None:
        """Join ``--ray.address`` (or start a local cluster) unless this process is already connected."""
        import ray

        if not ray.is_initialized():
            address = self.options.address or "local"  # "local": a new cluster, never one found lying around
            quiet = not logging.getLogger("musicqa").isEnabledFor(logging.DEBUG)
            try:
                ray.init(address=address, include_dashboard=False if address == "local" else None,
                         logging_level=logging.WARNING if quiet else logging.INFO)
            except ConnectionError as err:
                if "InvalidAuthToken" in str(err.__cause__):  # Ray sends its token only when told to
                    raise InputError(f"--ray.address {address}: the cluster asks for its token (Ray's token "
                                     "authentication): run the build with RAY_AUTH_MODE=token, the head's "
                                     "~/.ray/auth_token in this machine's ~/.ray/ or in RAY_AUTH_TOKEN") from err
                cause = f" ({type(err.__cause__).__name__}: {str(err.__cause__).splitlines()[0]})" \
                    if err.__cause__ else ""
                raise InputError(f"--ray.address {address}: {str(err).splitlines()[0]}{cause}") from err
            self._started = True
            log.info("ray: %s, %s", "local cluster" if address == "local" else f"joined {address}",
                     describe(ray.nodes()))
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False  # the executor's own tqdm bars count clips and requests ...
        logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)  # ... so no warning that it is off
        ctx.print_on_execution_start = False
        ctx.raise_original_map_exception = True  # a worker's InputError reaches the driver as itself (see surfaced())
        # Engine batches go out only once every engine actor has loaded its model (so all replicas share the work
        # from the start), and an actor that cannot start within the hour stops the build instead of hanging it.
        ctx.wait_for_min_actors_s = ENGINE_START_TIMEOUT_S
        ctx.enable_auto_log_stats = False
        if not logging.getLogger("musicqa").isEnabledFor(logging.DEBUG):
            logging.getLogger("ray.data").setLevel(logging.WARNING)  # per-dataset timings: with -v only

    def close(self) -> None:
        if self._started:
            import ray

            ray.shutdown()
            self._started = False

    def map_audio(self, build: Build, clips: Sequence[Clip]) -> Iterator[tuple[list[Clip], list[dict[str, Any]]]]:
        import ray

        self.connect()
        ds = ray.data.from_items([{"i": i, "clip": pickle.dumps(c)} for i, c in enumerate(clips)])
        ds = ds.map_batches(normalise, fn_kwargs={"stage": build.audio}, batch_size=self.options.batch_size,
                            compute=ray.data.TaskPoolStrategy(size=self.options.audio_workers), num_cpus=1,
                            batch_format="numpy")
        for batch in surfaced(ds.iter_batches(batch_size=None, batch_format="numpy")):
            yield [clips[int(i)] for i in batch["i"]], [json.loads(r) for r in batch["record"]]

    def map_analysis(self, build: Build, jobs: Sequence[dict[str, Any]]
                     ) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
        import ray

        self.connect()
        ds = ray.data.from_items([{"i": i, "job": json.dumps(j)} for i, j in enumerate(jobs)])
        ds = ds.map_batches(measure, fn_kwargs={"stage": build.analysis}, batch_size=build.cfg.analysis.batch_size,
                            compute=ray.data.TaskPoolStrategy(size=self.options.audio_workers), num_cpus=1,
                            batch_format="numpy")
        for batch in surfaced(ds.iter_batches(batch_size=None, batch_format="numpy")):
            yield [jobs[int(i)] for i in batch["i"]], [json.loads(r) for r in batch["record"]]

    def engine_pool(self, actor: type, stage: Any, batches: Sequence[Sequence[PromptRequest]], what: str
                    ) -> Iterator[tuple[int, dict[str, Any]]]:
        """(batch index, the actor's row) of every batch once, from ``--ray.engine-replicas`` ``actor``s each
        holding a copy of ``stage``: one Ray Data row per batch, one actor call per row.

        Ray Data's actor pools restart a dead actor and resubmit its tasks by default (max_restarts=-1,
        max_task_retries=-1; passing them is deprecated in Ray 2.60), which is the fault tolerance relied on here;
        a resubmitted batch that had already come back is dropped, so each is stored once.
        """
        import ray

        self.connect()
        opts = self.options
        check_fits(ray.nodes(), opts.engine_replicas, opts.cpus_per_engine, opts.gpus_per_engine)
        rows = [{"index": i, "requests": pickle.dumps(list(b))} for i, b in enumerate(batches)]
        ds = ray.data.from_items(rows, override_num_blocks=len(rows))  # one batch per block: one per actor call
        ds = ds.map_batches(actor, fn_constructor_kwargs={"stage": stage}, batch_size=1,
                            compute=ray.data.ActorPoolStrategy(size=opts.engine_replicas),
                            num_cpus=opts.cpus_per_engine, num_gpus=opts.gpus_per_engine or None,
                            batch_format="numpy")
        seen: set[int] = set()
        for row in surfaced(ds.iter_rows()):
            index = int(row["index"])
            if index in seen:
                log.warning("%s batch %d came back twice; the second copy is dropped", what, index)
                continue
            seen.add(index)
            yield index, row

    def map_generate(self, build: Build, batches: Sequence[Sequence[PromptRequest]]) -> Iterator[BatchResult]:
        for index, row in self.engine_pool(EngineActor, build.generate, batches, "engine"):
            info = {"index": index, "requests": len(batches[index]), "node": str(row["node"]),
                    "pid": int(row["pid"]), "started": float(row["started"]), "seconds": float(row["seconds"])}
            self.batches.append(info)
            log.debug("engine batch %(index)d (%(requests)d requests): %(seconds).1f s on node %(node)s, pid %(pid)d",
                      info)
            yield from pickle.loads(row["results"])
        nodes = Counter(b["node"][:8] for b in self.batches)
        log.info("engine: %d batches made by %d actor processes; batches per node: %s", len(self.batches),
                 len({(b["node"], b["pid"]) for b in self.batches}), ", ".join(f"{n} {k}" for n, k in
                                                                                 sorted(nodes.items())))

    def map_filter(self, build: Build, batches: Sequence[FilterBatch]) -> Iterator[FilterResult]:
        import ray

        if not batches:
            return
        self.connect()
        workers = min(len(batches), self.options.filter_workers or cluster_cpus(ray.nodes()))
        rows = [{"index": b.index, "batch": pickle.dumps(b)} for b in batches]
        ds = ray.data.from_items(rows, override_num_blocks=len(rows))  # one batch per block: one per actor call
        ds = ds.map_batches(FilterActor, fn_constructor_kwargs={"stage": build.filters}, batch_size=1,
                            compute=ray.data.ActorPoolStrategy(size=workers), num_cpus=1, batch_format="numpy")
        for row in surfaced(ds.iter_rows()):
            result: FilterResult = pickle.loads(row["result"])
            log.debug("filter batch %d (%d clips): %.1f s on node %s, pid %d", result.index, len(result.clips),
                      result.seconds, result.node, result.pid)
            yield result

    def map_judge(self, build: Build, batches: Sequence[Sequence[PromptRequest]]
                  ) -> Iterator[tuple[list[PromptRequest], list[dict[str, Any]]]]:
        """As ``map_generate``: one row per batch, one call per row on an actor holding its own judge engine."""
        for index, row in self.engine_pool(JudgeActor, build.judge, batches, "judge"):
            yield list(batches[index]), json.loads(row["records"])


def cluster_cpus(nodes: list[dict[str, Any]]) -> int:
    """The CPUs of the cluster's live nodes: one filter actor each by default (the engines are gone by then)."""
    return max(1, int(sum(n.get("Resources", {}).get("CPU", 0) for n in nodes if n.get("Alive"))))


def surfaced(items: Iterator[Any]) -> Iterator[Any]:
    """``items``, with bad input found on a worker (an ``InputError`` or ``AudioError``) raised here as itself,
    so the CLI prints its one line instead of Ray's remote traceback."""
    from ray.exceptions import RayTaskError

    try:
        yield from items
    except RayTaskError as err:
        cause = err.cause
        if isinstance(cause, (InputError, AudioError)):  # one line by contract; Ray Data appends a retry note
            raise type(cause)(str(cause).splitlines()[0]) from None
        raise


def normalise(batch: dict[str, Any], stage: AudioStage) -> dict[str, list]:
    """Ray task: the audio records of a batch of clips; their FLAC files land in ``OUT/work/audio`` as locally."""
    work = stage.at_root(stage.out / "work")
    if not work.is_dir():  # the driver made it: a node without it does not share the output filesystem
        raise InputError(f"{work}: not found on Ray node {socket.gethostname()}: --out (and the sources' audio) "
                         "must be on a filesystem every node mounts at the same path")
    clips = [pickle.loads(blob) for blob in batch["clip"]]
    return {"i": list(batch["i"]), "record": [json.dumps(r) for r in stage(clips)]}


def measure(batch: dict[str, Any], stage: AnalysisStage) -> dict[str, list]:
    """Ray task: the ``analysis.jsonl`` records of a batch of normalised clips (read from ``OUT/work/audio``)."""
    jobs = [json.loads(j) for j in batch["job"]]
    return {"i": list(batch["i"]), "record": [json.dumps(r) for r in stage(jobs)]}


class EngineActor:
    """One engine replica (a Ray actor): a copy of the build's ``GenerateStage`` with its own loaded engine."""

    def __init__(self, stage: GenerateStage) -> None:
        import ray

        self.stage = stage
        self.stage.node = ray.get_runtime_context().get_node_id()  # recorded in every reply it makes
        self.stage.engine  # noqa: B018 - load now: a model that cannot load stops the build before any batch

    def __call__(self, batch: dict[str, Any]) -> dict[str, list]:
        out: dict[str, list] = {"index": [], "results": [], "node": [], "pid": [], "started": [], "seconds": []}
        for index, blob in zip(batch["index"], batch["requests"], strict=True):
            started = time.time()
            results = list(self.stage.run(pickle.loads(blob)))  # the batch's calls, as the local executor makes them
            out["seconds"].append(time.time() - started)
            out["started"].append(started)
            out["index"].append(int(index))
            out["results"].append(pickle.dumps(results))
            out["node"].append(self.stage.node)
            out["pid"].append(os.getpid())
        return out


class FilterActor:
    """One filter worker (a Ray actor): a copy of the build's ``FilterStage``, its sentence embedder loaded once."""

    def __init__(self, stage: FilterStage) -> None:
        import ray

        self.stage = stage
        self.stage.node = ray.get_runtime_context().get_node_id()  # recorded with every batch it judges
        self.stage.load()  # a missing embedding model stops the build before any batch

    def __call__(self, batch: dict[str, Any]) -> dict[str, list]:
        return {"result": [pickle.dumps(self.stage(pickle.loads(blob))) for blob in batch["batch"]]}


class JudgeActor:
    """One judge replica (a Ray actor): a copy of the build's ``JudgeStage`` with its own loaded engine."""

    def __init__(self, stage: Any) -> None:
        import ray

        self.stage = stage
        self.stage.node = ray.get_runtime_context().get_node_id()
        self.stage.engine  # noqa: B018 - load now: a model that cannot load stops the build before any batch

    def __call__(self, batch: dict[str, Any]) -> dict[str, list]:
        out: dict[str, list] = {"index": [], "records": []}
        for index, blob in zip(batch["index"], batch["requests"], strict=True):
            out["index"].append(int(index))
            out["records"].append(json.dumps(self.stage(pickle.loads(blob))))
        return out


def check_address(address: str) -> None:
    """Stop at once, naming ``address``, when nothing listens there."""
    if address in ("auto", "local"):
        return
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not host or not port.isdigit():
        raise InputError(f"--ray.address {address!r}: expected host:port (as `ray start --head` prints it) or 'auto'")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as err:
        raise InputError(f"--ray.address {address}: no Ray cluster answers there ({err.strerror or err}); start one "
                         f"with `ray start --head --port {port}` on {host}, or leave --ray.address unset for a local "
                         "cluster") from err


def check_fits(nodes: list[dict[str, Any]], replicas: int, cpus: float, gpus: float) -> None:
    """Stop when the cluster cannot hold ``replicas`` engine actors (Ray Data would wait for them forever)."""
    fits = 0
    for node in nodes:
        if not node.get("Alive"):
            continue
        res = node.get("Resources", {})
        n = int(res.get("CPU", 0) // cpus)
        if gpus:
            n = min(n, int(res.get("GPU", 0) // gpus))
        fits += n
    if fits < replicas:
        raise InputError(f"--ray.engine-replicas {replicas}: the cluster holds {fits} engine actors of "
                         f"--ray.cpus-per-engine {cpus:g} and --ray.gpus-per-engine {gpus:g} ({describe(nodes)}); "
                         "lower them or add nodes")


def local_nodes() -> list[dict[str, Any]]:
    """The one node a local CPU cluster has, as ``ray.nodes()`` would list it (the CPUs this process may use)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return [{"Alive": True, "Resources": {"CPU": float(cpus)}}]


def describe(nodes: list[dict[str, Any]]) -> str:
    """'2 nodes: 1 CPU, 1 CPU + 1 GPU' for the log and the errors."""
    alive = [n.get("Resources", {}) for n in nodes if n.get("Alive")]
    parts = [" + ".join(f"{res[k]:g} {k}" for k in ("CPU", "GPU") if res.get(k)) or "no CPU" for res in alive]
    return f"{len(alive)} node{'s' if len(alive) != 1 else ''}: {', '.join(parts)}"
