"""``--executor ray``: the same dataset as the local executor, on a local cluster, on two nodes and through kills.

Every Ray build here is compared with one local build of the same config (``local_build``): rows of every config
and split, the card (its build time masked) and the counts in summary.json. The engine is real vLLM on the tiny
MPT model, one per actor, 1 CPU each. The two-node cluster is two ``ray start`` processes on this machine that
the test starts and stops itself; nothing else on the machine is touched.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import REPO, smoke_config

from musicqa.build import run_build
from musicqa.config import to_toml
from musicqa.errors import InputError

pytest.importorskip("ray", reason="ray is not installed: bash scripts/install.sh test installs the [ray] extra")
pytestmark = pytest.mark.slow

# 8 clips -> 16 requests -> 6 engine batches: enough for two replicas to share and for a kill to land mid-run;
# 4 filter batches with the learned layer on: enough for two filter actors to share
SMALL = {"musiccaps__limit": 3, "magnatagatune__limit": 5, "engine__batch_size": 3, "filters__classifier": True,
         "clips_per_filter_batch": 2}
BATCHES = 6
RAY_ENV = {"RAY_AUTH_MODE": "token",  # what `ray start` uses by default; a driver given an address must opt in
           "RAY_USAGE_STATS_ENABLED": "0", "PYTHONPATH": str(REPO)}


def config(tiny_models: Path, smoke_dirs: Path, out: Path | str, **over):
    return smoke_config(tiny_models, smoke_dirs, out, **{**SMALL, **over})


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def dataset(out: Path) -> dict:
    """What a user gets: every row of every config and split, the card, and the counts of summary.json."""
    from datasets import Audio, load_dataset

    rows = {}
    for shard in sorted((out / "data").glob("*/*.parquet")):
        config, split = shard.parent.name, shard.name.split("-")[0]
        ds = load_dataset(str(out), config, split=split).cast_column("audio", Audio(decode=False))
        rows[(config, split)] = list(ds)
    card = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "<built at>", (out / "README.md").read_text())
    summary = json.loads((out / "summary.json").read_text())
    counts = {k: v for k, v in summary.items() if k not in ("seconds", "generated_now")}
    assert rows and summary["pairs_kept"] > 0, "nothing was kept: the comparison would be empty"
    return {"rows": rows, "card": card, "counts": counts}


def ok_keys(out: Path) -> list[str]:
    return [r["key"] for r in jsonl(out / "work" / "generations.jsonl") if r["status"] == "ok"]


class NoEngine:
    name, version = "none", "0"

    def generate(self, requests):
        raise AssertionError(f"regenerated {len(requests)} requests that another executor had stored")


@pytest.fixture(scope="module")
def local_build(tiny_models, smoke_dirs, vllm_engine, tmp_path_factory) -> Path:
    """The reference: the local executor on the same config, with the session's engine."""
    out = tmp_path_factory.mktemp("local") / "dataset"
    run_build(config(tiny_models, smoke_dirs, out), engine=vllm_engine)
    assert len(ok_keys(out)) + len(jsonl(out / "failed_generations.jsonl")) == 16
    return out


def test_a_ray_build_on_a_local_cluster_equals_the_local_build(local_build, tiny_models, smoke_dirs, tmp_path):
    import ray

    out = tmp_path / "ray"
    summary = run_build(config(tiny_models, smoke_dirs, out, executor="ray", ray__engine_replicas=2))
    assert not ray.is_initialized()  # the cluster it started is gone
    assert summary.generated_now >= 16
    assert dataset(out) == dataset(local_build)
    stored = jsonl(out / "work" / "generations.jsonl")
    assert len({r["pid"] for r in stored}) == 2 and all(r["node"] for r in stored)  # two replicas took batches
    assert sorted(ok_keys(out)) == sorted(ok_keys(local_build))

    # a rerun skips what either executor stored: the local one finds Ray's keys, Ray finds the local ones
    assert run_build(config(tiny_models, smoke_dirs, out), engine=NoEngine()).generated_now == 0
    local_copy = tmp_path / "local-copy"
    (local_copy / "work").mkdir(parents=True)
    (local_copy / "work" / "generations.jsonl").write_bytes((local_build / "work" / "generations.jsonl").read_bytes())
    again = run_build(config(tiny_models, smoke_dirs, local_copy, executor="ray"))
    assert again.generated_now == 0 and dataset(local_copy) == dataset(local_build)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A Ray cluster of ``ray start --block`` processes on this machine; ``stop`` ends exactly those."""

    def __init__(self, root: Path) -> None:
        self.root = root
        # Ray's socket paths live under --temp-dir and must stay under 108 bytes: a short folder, removed by stop()
        self.temp = Path(tempfile.mkdtemp(prefix="mqray-"))
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.procs: list[subprocess.Popen] = []
        self.env = {**os.environ, **RAY_ENV}

    def start_node(self, name: str, *args: str, tries: int = 3) -> None:
        """One node with 1 CPU and its own temp dir; returns once its raylet has joined.

        Tries again when ``ray start`` gives up on its own (its GCS deadlines can pass on a heavily loaded machine).
        """
        log = self.root / f"{name}.log"
        proc = subprocess.Popen(
            ["ray", "start", "--block", "--num-cpus", "1", "--node-ip-address", "127.0.0.1",
             "--temp-dir", str(self.temp / name), "--object-store-memory", str(200 * 2**20),
             "--dashboard-agent-listen-port", str(free_port()), "--disable-usage-stats", *args],
            cwd=self.root, env=self.env, stdout=open(log, "a"), stderr=subprocess.STDOUT,
            start_new_session=True)  # its own process group: stop() ends it and everything it started
        self.procs.append(proc)
        deadline = time.time() + 300
        while "Ray runtime started" not in log.read_text():
            if proc.poll() is not None and tries > 1:
                kill_group(proc)
                return self.start_node(name, *args, tries=tries - 1)
            assert proc.poll() is None and time.time() < deadline, log.read_text()[-3000:]
            time.sleep(0.5)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.send_signal(signal.SIGTERM)  # `ray start --block` stops its node's processes on SIGTERM
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pass
            kill_group(proc)  # whatever of this node outlived the drain
        shutil.rmtree(self.temp, ignore_errors=True)


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the process group of a ``ray start`` this test started (nothing else on the machine)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="module")
def two_nodes(tmp_path_factory):
    """A head and a second node (``ray start --address``) on loopback, 1 CPU each."""
    cluster = Cluster(tmp_path_factory.mktemp("cluster"))
    try:
        cluster.start_node("head", "--head", "--port", str(cluster.port), "--include-dashboard", "false")
        cluster.start_node("node2", "--address", cluster.address)
        yield cluster
    finally:
        cluster.stop()


def build_cli(toml: Path, cwd: Path, cluster: Cluster, *flags: str) -> subprocess.Popen:
    """``python -m musicqa build --executor ray --ray.address ...`` as a user runs it, in its own process."""
    return subprocess.Popen([sys.executable, "-m", "musicqa", "build", "--config", str(toml), "--executor", "ray",
                             "--ray.address", cluster.address, *flags], cwd=cwd, env=cluster.env,
                            stdout=subprocess.DEVNULL, stderr=open(cwd / f"{toml.stem}.log", "a"))


def write_toml(path: Path, cfg) -> Path:
    path.write_text(to_toml(cfg))
    return path


def test_two_nodes_share_the_engine_and_filter_batches_and_give_the_local_dataset(local_build, two_nodes,
                                                                                  tiny_models, smoke_dirs, tmp_path):
    # relative --out, and the nodes run in another folder: the workers must still write where the driver reads
    toml = write_toml(tmp_path / "two.toml", config(tiny_models, smoke_dirs, "two-nodes"))
    proc = build_cli(toml, tmp_path, two_nodes, "--ray.engine-replicas", "2")
    assert proc.wait(timeout=900) == 0, (tmp_path / "two.log").read_text()[-3000:]
    out = tmp_path / "two-nodes"
    stored = jsonl(out / "work" / "generations.jsonl")
    by_node = Counter(r["node"] for r in stored)
    assert len(by_node) == 2, f"one node took every batch: {by_node}"
    assert "batches per node" in (tmp_path / "two.log").read_text()
    # parse + filters (learned layer on) ran as Ray tasks on both nodes, not on the driver
    judged = jsonl(out / "work" / "filters.jsonl")
    assert [b["batch"] for b in judged] == [0, 1, 2, 3]
    assert set(Counter(b["node"] for b in judged)) == set(by_node), f"filter batches per node: {judged}"
    assert len({(b["node"], b["pid"]) for b in judged}) == 2
    assert sum(b["pairs"] for b in judged) == json.loads((out / "summary.json").read_text())["pairs_generated"]
    assert dataset(out) == dataset(local_build)


def wait_for_records(store: Path, proc: subprocess.Popen, n: int) -> list[dict]:
    deadline = time.time() + 600
    while not store.exists() or store.read_text().count("\n") < n:
        assert proc.poll() is None, "the build ended before the test could interrupt it"
        assert time.time() < deadline, "no engine batch came back in 10 minutes"
        time.sleep(0.05)  # the kill must land while batches remain (a batch takes ~0.5 s here)
    return jsonl(store)


def test_a_killed_engine_actor_is_replaced_and_its_batch_stored_once(local_build, two_nodes, tiny_models,
                                                                      smoke_dirs, tmp_path):
    toml = write_toml(tmp_path / "kill.toml", config(tiny_models, smoke_dirs, tmp_path / "killed-actor"))
    store = tmp_path / "killed-actor" / "work" / "generations.jsonl"
    proc = build_cli(toml, tmp_path, two_nodes)  # one replica: it holds the remaining batches when it dies
    try:
        victim = wait_for_records(store, proc, 1)[0]["pid"]
        os.kill(victim, signal.SIGKILL)  # the actor's process, mid-run, as a crash or the OOM killer would
        assert proc.wait(timeout=900) == 0, (tmp_path / "kill.log").read_text()[-3000:]
    finally:
        if proc.poll() is None:
            proc.kill()
    stored = jsonl(store)
    keys = ok_keys(tmp_path / "killed-actor")
    assert len(keys) == len(set(keys)), "a key was stored twice as ok"
    assert {r["pid"] for r in stored} - {victim}, "no batch was made after the kill"
    assert dataset(tmp_path / "killed-actor") == dataset(local_build)


def test_a_killed_driver_loses_only_the_batches_in_flight(local_build, two_nodes, tiny_models, smoke_dirs, tmp_path):
    toml = write_toml(tmp_path / "driver.toml", config(tiny_models, smoke_dirs, tmp_path / "killed-driver"))
    store = tmp_path / "killed-driver" / "work" / "generations.jsonl"
    proc = build_cli(toml, tmp_path, two_nodes)
    try:
        wait_for_records(store, proc, 1)
        proc.send_signal(signal.SIGKILL)  # the driver: no cleanup, no flush
        proc.wait()
        before = len(jsonl(store))
        assert 1 <= before < 16
        rerun = build_cli(toml, tmp_path, two_nodes)
        assert rerun.wait(timeout=900) == 0, (tmp_path / "driver.log").read_text()[-3000:]
    finally:
        for p in (proc, locals().get("rerun")):
            if p is not None and p.poll() is None:
                p.kill()
    keys = ok_keys(tmp_path / "killed-driver")
    assert len(keys) == len(set(keys)), "a key was stored twice as ok"
    summary = json.loads((tmp_path / "killed-driver" / "summary.json").read_text())
    assert summary["generated_now"] == len(jsonl(store)) - before  # the rerun sent only what was missing
    assert dataset(tmp_path / "killed-driver") == dataset(local_build)


def test_an_unreachable_address_stops_at_once_naming_it(tiny_models, smoke_dirs, tmp_path):
    port = free_port()  # nothing listens there (ray.init itself would retry for minutes)
    toml = write_toml(tmp_path / "c.toml", config(tiny_models, smoke_dirs, tmp_path / "out"))
    t0 = time.time()
    done = subprocess.run([sys.executable, "-m", "musicqa", "build", "--config", str(toml), "--executor", "ray",
                           "--ray.address", f"127.0.0.1:{port}"], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=300)
    assert done.returncode == 2 and time.time() - t0 < 60
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: --ray.address 127.0.0.1:{port}: no Ray cluster answers")
    assert not (tmp_path / "out" / "work").exists()  # nothing started


def test_address_and_cluster_size_errors_name_the_flag():
    from musicqa.pipeline.ray import check_address, check_fits

    with pytest.raises(InputError, match=r"--ray.address 'head-node': expected host:port"):
        check_address("head-node")
    nodes = [{"Alive": True, "Resources": {"CPU": 2.0}}, {"Alive": False, "Resources": {"CPU": 8.0}}]
    check_fits(nodes, 2, 1.0, 0.0)
    with pytest.raises(InputError, match=r"--ray.engine-replicas 3: the cluster holds 2 engine actors .* "
                                         r"\(1 node: 2 CPU\)"):
        check_fits(nodes, 3, 1.0, 0.0)
    with pytest.raises(InputError, match="holds 0 engine actors of --ray.cpus-per-engine 1 and "
                                         "--ray.gpus-per-engine 1"):
        check_fits(nodes, 1, 1.0, 1.0)


WORKER_ERROR = """
import sys, types
from pathlib import Path
import ray
from musicqa.errors import InputError
from musicqa.pipeline.ray import RayExecutor
from musicqa.pipeline.stages import AudioStage

executor = RayExecutor()
executor.options = types.SimpleNamespace(address=sys.argv[1], batch_size=4, audio_workers=1)
build = types.SimpleNamespace(audio=AudioStage(Path(sys.argv[2]), 24000, 1.0, {}))
ray.init(address=sys.argv[1], logging_level="ERROR")
try:
    list(executor.map_audio(build, ["a clip"]))
except InputError as err:
    print(type(err).__name__, err, sep="\\n")
"""


def test_bad_input_found_on_a_worker_stops_the_build_with_its_own_line(two_nodes, tmp_path):
    """A node that does not see ``--out``: the InputError raised in the Ray task reaches the driver as itself,
    one line, not Ray's remote traceback (a driver of its own: the two-node cluster wants RAY_AUTH_MODE=token)."""
    out = tmp_path / "not-shared"
    done = subprocess.run([sys.executable, "-c", WORKER_ERROR, two_nodes.address, str(out)], cwd=tmp_path,
                          env=two_nodes.env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    kind, message = done.stdout.strip().splitlines()
    assert kind == "InputError"
    assert re.fullmatch(rf"{out / 'work'}: not found on Ray node {socket.gethostname()}: --out .* must be on a "
                        r"filesystem every node mounts at the same path", message)


def test_a_cluster_that_wants_its_token_is_named_in_one_line(two_nodes, tiny_models, smoke_dirs, tmp_path):
    """``ray start`` turns token authentication on, and a driver given an address sends no token unless told to."""
    toml = write_toml(tmp_path / "c.toml", config(tiny_models, smoke_dirs, tmp_path / "out"))
    env = {k: v for k, v in two_nodes.env.items() if k != "RAY_AUTH_MODE"}
    done = subprocess.run([sys.executable, "-m", "musicqa", "build", "--config", str(toml), "--executor", "ray",
                           "--ray.address", two_nodes.address], cwd=tmp_path, capture_output=True, text=True,
                          env=env, timeout=600)
    assert done.returncode == 2, done.stderr[-3000:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: --ray.address {two_nodes.address}: the cluster asks for its token"), last
    assert "RAY_AUTH_MODE=token" in last
