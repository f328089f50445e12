"""A build made before sources became plugins resumes with today's code without regenerating a single reply.

``tests/fixtures/store_v1`` holds the engine store and the dataset rows of a text-only MusicCaps + MTT build
written by the pre-pipeline code (see its README). The same config rebuilt now, with an engine that fails if
it is called, must find every key in that store and write the same rows with the same declared features.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
from conftest import REPO

from musicqa.build import run_build

FIXTURE = REPO / "tests" / "fixtures" / "store_v1"


class NoEngine:
    name, version = "none", "0"

    def generate(self, requests):
        raise AssertionError(f"regenerated {len(requests)} requests, e.g. {requests[0].clip_id} {requests[0].task}")


def v1_config(out: Path):
    """The fixture's config, every key that shapes a resume key spelled out (defaults may change later)."""
    from musicqa.build_config import BuildConfig
    from musicqa.config import build

    values = {
        "out": str(out), "sources": ["musiccaps", "magnatagatune"], "report": False,
        "prompts_dir": str(REPO / "prompts" / "caption-first"),  # the default layout before issue 12
        "musiccaps": {"csv": str(REPO / "sample_data" / "musiccaps-public.csv"), "limit": 4},
        "magnatagatune": {"annotations": str(REPO / "tests" / "fixtures" / "mtt" / "annotations_final.csv"),
                          "clip_info": str(REPO / "tests" / "fixtures" / "mtt" / "clip_info_final.csv"), "limit": 4},
        "audio": {"text_only": True, "sample_rate": 24000},
        "prompts": {"system_template": "system.jinja", "chat_template": "chat/chatml.jinja",
                    "tasks": ["fixed", "open"], "open_pairs": 5, "max_answer_chars": 1200},
        "engine": {"model": "mosaicml/mpt-7b-chat", "revision": "0123456789abcdef0123456789abcdef01234567",
                   "max_retries": 1, "seed": 0, "structured_backend": "xgrammar"},
        "fixed": {"temperature": 0.5, "top_k": 4, "top_p": 1.0, "max_tokens": 768},
        "open": {"temperature": 0.4, "top_k": 4, "top_p": 1.0, "max_tokens": 1024},
        "filters": {"enabled": ["duplicate"]},
    }
    return build(BuildConfig, values, "store_v1")


def test_a_store_written_before_the_pipeline_resumes_without_regenerating(tmp_path):
    out = tmp_path / "dataset"
    (out / "work").mkdir(parents=True)
    shutil.copy(FIXTURE / "generations.jsonl", out / "work" / "generations.jsonl")
    expected = json.loads((FIXTURE / "expected_rows.json").read_text())

    summary = run_build(v1_config(out), engine=NoEngine())

    assert summary.generated_now == 0
    got = summary.to_json()
    want = expected["summary"]
    for key in ("clips_read", "skipped", "warnings", "requests", "failed", "drops", "pairs_generated", "pairs_kept",
                "clips", "pairs"):
        assert got[key] == want[key], key
    shards = sorted((out / "data").glob("*/*.parquet"))
    assert [f"{p.parent.name}/{p.name.split('-')[0]}" for p in shards] == sorted(expected["rows"])
    for shard in shards:
        rows = pq.read_table(shard).to_pylist()
        # issue 23 added the `analysis` column (null here: a text-only build measures nothing); the rest is as before
        assert all(row.pop("analysis") is None for row in rows)
        assert rows == expected["rows"][f"{shard.parent.name}/{shard.name.split('-')[0]}"]
    from musicqa.bundle import features_for
    from musicqa.sources import get

    for name, yaml_list in expected["features"].items():
        now = [f for f in features_for(get(name), 24000)._to_yaml_list() if f["name"] != "analysis"]
        assert now == yaml_list, name
    assert (out / "work" / "generations.jsonl").read_bytes() == (FIXTURE / "generations.jsonl").read_bytes()
