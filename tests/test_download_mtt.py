"""``download magnatagatune``: adopting an extracted tree, and the resumable download of a split zip."""

from __future__ import annotations

import argparse
import io
import json
import re
import shutil
import threading
import zipfile
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from musicqa.cli import download as download_cli
from musicqa.download import mtt
from musicqa.download.config import MTTDownloadConfig
from musicqa.download.manifest import Manifest
from musicqa.errors import InputError

CLIP = Path(__file__).resolve().parents[1] / "sample_data" / "audio" / "asc-frontiers-30s.mp3"
TAGS = ["guitar", "classical", "slow", "piano", "strings", "no voice"]


def _annotations(rows: list[tuple[str, str]]) -> str:
    """annotations_final.csv as MTT ships it: tab-separated, every field double-quoted."""
    header = ["clip_id", *TAGS, "mp3_path"]
    lines = ["\t".join(f'"{h}"' for h in header)]
    for clip_id, path in rows:
        lines.append("\t".join(f'"{v}"' for v in [clip_id, *["1"] * len(TAGS), path]))
    return "\n".join(lines) + "\n"


CLIP_INFO = '"clip_id"\t"title"\t"artist"\n"2"\t"Aria"\t"Bach Soloists"\n"7"\t"Gigue"\t"Rameau Ensemble"\n'
ROWS = [("2", "0/bach-aria-01-30.mp3"), ("7", "c/rameau-gigue-30-59.mp3"), ("9", "f/gone-01-30.mp3"),
        ("11", "6/norine_braun-empty.mp3"), ("12", "9/not-audio.mp3")]


def _tree(root: Path) -> Path:
    """An extracted MTT folder: two good clips, one missing, one empty (as in the real release), one junk."""
    (root / "mp3" / "0").mkdir(parents=True)
    (root / "mp3" / "c").mkdir()
    (root / "mp3" / "6").mkdir()
    (root / "mp3" / "9").mkdir()
    shutil.copy(CLIP, root / "mp3" / "0" / "bach-aria-01-30.mp3")
    shutil.copy(CLIP, root / "mp3" / "c" / "rameau-gigue-30-59.mp3")
    (root / "mp3" / "6" / "norine_braun-empty.mp3").touch()
    (root / "mp3" / "9" / "not-audio.mp3").write_text("404 Not Found")
    (root / "annotations_final.csv").write_text(_annotations(ROWS))
    (root / "clip_info_final.csv").write_text(CLIP_INFO)
    return root


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    download_cli.register(sub)
    return parser.parse_args(argv)


EXPECTED_PROBLEMS = [("f/gone-01-30.mp3", "missing"), ("6/norine_braun-empty.mp3", "empty"),
                     ("9/not-audio.mp3", "undecodable")]


def test_from_dir_adopts_the_tree_and_lists_what_is_missing(tmp_path, capsys):
    src = _tree(tmp_path / "mtt")
    out = tmp_path / "out"
    args = _parse(["download", "magnatagatune", "--out", str(out), "--from-dir", str(src)])
    assert args.func(args) == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["clips"], printed["present"], printed["problems"]) == (5, 2, 3)

    check = json.loads((out / "check.json").read_text())
    assert [(p["mp3_path"], p["reason"]) for p in check["problems"]] == EXPECTED_PROBLEMS
    # the build reads OUT the same way whichever path produced it
    assert (out / "annotations_final.csv").read_text() == (src / "annotations_final.csv").read_text()
    assert (out / "clip_info_final.csv").is_file()
    assert (out / "mp3").resolve() == (src / "mp3").resolve()
    assert (out / "mp3" / "c" / "rameau-gigue-30-59.mp3").is_file()
    assert not list((src / "mp3").rglob(".musicqa*"))  # the adopted tree is left untouched


def test_from_dir_accepts_the_mp3_folders_at_the_top(tmp_path):
    src = _tree(tmp_path / "mtt")
    for d in (src / "mp3").iterdir():
        d.rename(src / d.name)
    summary = mtt.download_magnatagatune(tmp_path / "out", MTTDownloadConfig(from_dir=src, check_decode=False))
    assert summary.audio_dir.resolve() == src.resolve()
    assert [p for p, _ in summary.problems] == ["f/gone-01-30.mp3", "6/norine_braun-empty.mp3"]


def test_from_dir_errors_name_the_folder(tmp_path):
    with pytest.raises(InputError, match="no annotations_final.csv"):
        mtt.download_magnatagatune(tmp_path / "out", MTTDownloadConfig(from_dir=tmp_path))
    (tmp_path / "annotations_final.csv").write_text(_annotations(ROWS))
    with pytest.raises(InputError, match="none of the first 5 mp3_path entries"):
        mtt.download_magnatagatune(tmp_path / "out", MTTDownloadConfig(from_dir=tmp_path))


# --- the download path, against a loopback server -----------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, files: dict[str, bytes]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files = files
        self.requests: Counter[str] = Counter()
        self.cut_once = {"mp3.zip.002"}  # the first transfer of this part stops halfway

    def handle_error(self, request, client_address) -> None:
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        name = self.path.rsplit("/", 1)[-1]
        self.server.requests[name] += 1
        data = self.server.files.get(name)
        if data is None:
            self.send_error(404)
            return
        start, status = 0, 200
        m = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
        if m:
            start, status = int(m[1]), 206
        self.send_response(status)
        self.send_header("Content-Length", str(len(data) - start))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        body = data[start:]
        if name in self.server.cut_once:
            self.server.cut_once.discard(name)
            body = body[: len(body) // 2]
            self.close_connection = True
        self.wfile.write(body)


@pytest.fixture
def mtt_server(tmp_path) -> Iterator[_Server]:
    tree = _tree(tmp_path / "release")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for f in sorted((tree / "mp3").rglob("*.mp3")):
            zf.write(f, f.relative_to(tree / "mp3").as_posix())
    blob = buf.getvalue()
    third = len(blob) // 3
    files = {"mp3.zip.001": blob[:third], "mp3.zip.002": blob[third:2 * third], "mp3.zip.003": blob[2 * third:],
             "annotations_final.csv": (tree / "annotations_final.csv").read_bytes(),
             "clip_info_final.csv": CLIP_INFO.encode()}
    srv = _Server(files)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


def test_download_resumes_joins_extracts_and_checks(tmp_path, mtt_server):
    out = tmp_path / "out"
    cfg = MTTDownloadConfig(base_url=f"http://127.0.0.1:{mtt_server.server_address[1]}/", timeout_s=5,
                            backoff_s=0.01)
    summary = mtt.download_magnatagatune(out, cfg)
    assert (summary.clips, summary.present) == (5, 2)
    assert list(summary.problems) == EXPECTED_PROBLEMS
    assert summary.audio_dir == out / "mp3"
    assert (out / "mp3" / "0" / "bach-aria-01-30.mp3").read_bytes() == CLIP.read_bytes()
    assert mtt_server.requests["mp3.zip.002"] == 2  # cut halfway, then resumed with a Range request
    latest = Manifest(out / "manifest.jsonl").latest
    assert latest["mp3.zip.002"].status == "ok" and latest["mp3.zip.002"].attempts == 2
    assert latest["mp3.zip.002"].size_bytes == len(mtt_server.files["mp3.zip.002"])
    assert not (out / "downloads").exists() and not (out / "mp3.partial").exists()

    before = mtt_server.requests.copy()
    again = mtt.download_magnatagatune(out, cfg)  # everything is in place: no request is made
    assert mtt_server.requests == before and again.present == 2


def test_download_404_names_the_url(tmp_path, mtt_server):
    del mtt_server.files["clip_info_final.csv"]
    cfg = MTTDownloadConfig(base_url=f"http://127.0.0.1:{mtt_server.server_address[1]}/", timeout_s=5)
    with pytest.raises(InputError, match=r"clip_info_final\.csv: HTTP 404"):
        mtt.download_magnatagatune(tmp_path / "out", cfg)


def test_adopted_tree_is_what_the_mtt_source_reads(tmp_path):
    """The handoff to the build: read_mtt(OUT/annotations_final.csv, audio_dir=summary.audio_dir) finds the audio."""
    from musicqa.sources.mtt import check_mp3_path, read_mtt

    fixture = Path(__file__).resolve().parent / "fixtures" / "mtt"
    src = tmp_path / "mtt"
    src.mkdir()
    for name in ("annotations_final.csv", "clip_info_final.csv"):
        shutil.copy(fixture / name, src / name)
    paths = [p for p in mtt._read_mp3_paths(src / "annotations_final.csv") if check_mp3_path(p) is None]
    present = set(paths[1:])  # the first one is "lost"
    for rel in present:
        (src / "mp3" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CLIP, src / "mp3" / rel)
    summary = mtt.download_magnatagatune(tmp_path / "out", MTTDownloadConfig(from_dir=src, check_decode=False))
    assert (paths[0], "missing") in summary.problems

    clips = [c for c in read_mtt(summary.annotations, audio_dir=summary.audio_dir, clip_info_path=summary.clip_info,
                                 min_tags=1) if hasattr(c, "clip_id")]
    assert clips and all((c.audio_path is not None) == (c.meta.mp3_path in present) for c in clips)
    assert any(c.audio_path is not None for c in clips)
