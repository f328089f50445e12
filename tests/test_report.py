"""The report page shows a real dataset folder correctly, checked in a real browser (headless Chromium).

The fixture writes a small folder exactly as the build/train/report contract describes: Parquet
shards with an embedded 24 kHz mono FLAC Audio column made from the shared real audio, real
MusicCaps captions, QA pairs (one carrying HTML, as an LLM may write), rejected.jsonl and summary.json.
"""

from __future__ import annotations

import argparse
import ast
import csv
import functools
import io
import json
import logging
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from musicqa.errors import InputError
from musicqa.report import ReportConfig, write_report
from musicqa.report.load import load
from musicqa.report.page import choose_sample
from musicqa.report.questions import genres_in, question_type

log = logging.getLogger(__name__)

DATA = Path(__file__).resolve().parents[1] / "sample_data"
SR = 24_000
# Flags that work in this sandbox and in CI: no GPU, no sandbox (root), and nothing that calls home.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--mute-audio", "--window-size=1280,900")
# An LLM answer is untrusted text: the page must show this literally and never run it.
HOSTILE_Q = '<img src=x onerror="window.__pwned=1">How fast is the tempo?'
HOSTILE_A = "<script>window.__pwned=1</script>It is slow, around 70 BPM."
# (source, split, number of clips): MusicCaps has train/test, MagnaTagATune train/validation/test.
LAYOUT = (("musiccaps", "train", 3), ("musiccaps", "test", 2),
          ("magnatagatune", "train", 2), ("magnatagatune", "validation", 1), ("magnatagatune", "test", 1))
MTT_TAGS = (("guitar", "rock", "loud", "drums"), ("classical", "piano", "slow", "soft"),
            ("techno", "electronic", "beat", "fast"), ("vocal", "female", "pop", "guitar"))
REJECTED = (("leak_source_word", 3), ("refusal_apology", 1), ("duplicate_question", 2))


def _flac_10s(mp3: Path) -> bytes:
    """The first 10 s of a shared MP3 as 24 kHz mono FLAC bytes: what the build embeds."""
    import soundfile as sf
    import soxr

    audio, rate = sf.read(mp3, dtype="float32", always_2d=True)
    mono = audio.mean(axis=1)[: rate * 10]
    buf = io.BytesIO()
    sf.write(buf, soxr.resample(mono, rate, SR), SR, format="FLAC")
    return buf.getvalue()


def _captions(n: int) -> list[dict[str, str]]:
    with open(DATA / "musiccaps-public.csv", newline="", encoding="utf-8") as fh:
        return [row for _, row in zip(range(n), csv.DictReader(fh), strict=False)]


def _qa(context: str, i: int) -> list[dict[str, str]]:
    """Two fixed and one open pair; clip 0 carries the hostile HTML, the last MTT clip keeps no pairs."""
    first = context.split(".")[0].split(",")[0]
    pairs = [{"question": "What genre is this music?", "answer": f"It sounds like {first.lower()}.", "task": "fixed"},
             {"question": "Which instruments can you hear?", "answer": "Guitar, drums and bass.", "task": "fixed"},
             {"question": "How does the music make you feel?",
              "answer": "Calm and a little wistful, like a late evening at home after a long day.", "task": "open"}]
    if i == 0:
        pairs.append({"question": HOSTILE_Q, "answer": HOSTILE_A, "task": "open"})
    return pairs


def make_folder(root: Path) -> Path:
    """Write a dataset folder per the team contract under ``root`` and return it."""
    from datasets import Dataset

    from musicqa.bundle import features_for
    from musicqa.sources import get

    mp3s = sorted(p for p in (DATA / "audio").glob("asc-*.mp3") if "60s" not in p.name)
    flacs = [_flac_10s(p) for p in mp3s[:4]]
    caps = _captions(5)
    features = {name: features_for(get(name), SR) for name in ("musiccaps", "magnatagatune")}  # the build's schema
    clips: dict[str, dict[str, int]] = {}
    pairs: dict[str, dict[str, int]] = {}
    n = 0
    for source, split, count in LAYOUT:
        rows = []
        for _ in range(count):
            flac = flacs[n % len(flacs)]
            if source == "musiccaps":
                cap = caps[n % len(caps)]
                sid, context = cap["ytid"], cap["caption"]
                extra = {"ytid": sid, "start_s": float(cap["start_s"]), "end_s": float(cap["end_s"]),
                         "caption": context, "aspect_list": ast.literal_eval(cap["aspect_list"]),
                         "is_audioset_eval": cap["is_audioset_eval"] == "True"}
            else:
                tags = list(MTT_TAGS[n % len(MTT_TAGS)])
                sid, context = str(1000 + n), ", ".join(tags)
                extra = {"mp3_path": f"{n % 16:x}/artist-title-{sid}.mp3", "tags": tags, "title": f"Title {n}",
                         "artist": "Artist"}
            qa = [] if (source, split) == ("magnatagatune", "test") else _qa(context, n)
            rows.append({"audio": {"bytes": flac, "path": f"{sid}.flac"}, "clip_id": f"{source}/{sid}",
                         "source": source, "source_id": sid, "split": split, "context": context, "qa": qa,
                         "analysis": None, **extra})
            n += 1
        shard = root / "data" / source / f"{split}-00000-of-00001.parquet"
        shard.parent.mkdir(parents=True, exist_ok=True)
        Dataset.from_list(rows, features=features[source]).to_parquet(str(shard))
        clips.setdefault(source, {})[split] = count
        pairs.setdefault(source, {})[split] = sum(len(r["qa"]) for r in rows)
    with open(root / "rejected.jsonl", "w", encoding="utf-8") as fh:
        for reason, count in REJECTED:
            for k in range(count):
                fh.write(json.dumps({"clip_id": f"musiccaps/{caps[k]['ytid']}", "question": "What is the caption?",
                                     "answer": f"The caption says <b>{reason}</b> #{k}", "task": "open",
                                     "reason": reason}) + "\n")
    summary = {"clips": clips, "pairs": pairs, "drops": dict(REJECTED), "skipped": {"audio_missing": 2},
               "failed": {"parse_invalid_json": 1},
               "model": "tiny-mpt-chat", "seconds": 12.5}
    (root / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    card = ["---", "configs:"]
    for source in ("musiccaps", "magnatagatune"):
        card += [f"- config_name: {source}", "  data_files:"]
        card += [f"  - split: {sp}\n    path: data/{source}/{sp}-*.parquet" for s, sp, _ in LAYOUT if s == source]
    (root / "README.md").write_text("\n".join(card + ["---", "# test folder", ""]), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_folder(tmp_path_factory.mktemp("dataset"))


@pytest.fixture(scope="module")
def report(folder: Path) -> Path:
    return write_report(folder, ReportConfig(sample_size=8, seed=0))


@pytest.mark.parametrize(("question", "kind"), [
    ("What genre is this music?", "genre"),
    ("How does the music make you feel?", "mood"),
    ("What is the tempo of the drums?", "tempo"),
    ("Which instruments can you hear?", "instrument"),
    ("Is this song instrumental or does it have vocals?", "vocals"),
    ("Is the singer male or female?", "vocals"),
    ("Where could this be played?", "other"),
])
def test_question_types(question: str, kind: str) -> None:
    assert question_type(question) == kind


def test_genres_need_whole_words() -> None:
    assert genres_in("A soulful hip-hop track with a rock guitar") == ("rock", "hip hop")
    assert genres_in("a popular rocking chair") == ()


def test_sample_is_deterministic_and_covers_every_source_and_split(folder: Path) -> None:
    clips = load(folder).clips
    first = choose_sample(clips, 5, seed=3)
    assert [c.clip_id for c in first] == [c.clip_id for c in choose_sample(list(reversed(clips)), 5, seed=3)]
    assert {(c.source, c.split) for c in first} == {(s, sp) for s, sp, _ in LAYOUT}
    assert len(choose_sample(clips, 100, seed=0)) == len(clips)


def test_cli_writes_page_plots_and_audio_and_rerun_leaves_no_stale_files(folder: Path, tmp_path: Path) -> None:
    from musicqa.cli import report as cli

    out = Path(shutil.copytree(folder, tmp_path / "copy"))
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    args = parser.parse_args(["report", str(out), "--sample-size", "6", "--seed", "1"])
    assert args.func(args) == 0
    page = (out / "report" / "index.html").read_text(encoding="utf-8")
    assert len(list((out / "report" / "audio").glob("*.flac"))) == 6
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in (out / "report" / "plots").glob("*.png"))
    assert "http://" not in page and "https://" not in page  # nothing is fetched from anywhere
    assert "<script>window" not in page and "<img src=x" not in page  # untrusted text is escaped
    args = parser.parse_args(["report", str(out), "--sample-size", "2"])
    assert args.func(args) == 0
    assert len(list((out / "report" / "audio").glob("*.flac"))) == 2
    assert not list(out.glob(".report*"))


def test_errors_name_the_file_and_what_was_expected(folder: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no data/<config>/<split>-\*\.parquet"):
        write_report(tmp_path)
    out = Path(shutil.copytree(folder, tmp_path / "copy"))
    with open(out / "rejected.jsonl", "a", encoding="utf-8") as fh:
        fh.write('{"clip_id": "musiccaps/x", "question": \n')
    with pytest.raises(InputError, match=r"rejected\.jsonl:7: not valid JSON"):
        write_report(out)
    with pytest.raises(ValueError, match="--sample-size"):
        ReportConfig(sample_size=-1)


@pytest.fixture(scope="module")
def browser() -> tuple[str, str]:
    """Paths of Debian's chromium and chromedriver; skips (before the report is built) when they are missing."""
    chromium, driver_bin = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver_bin:
        pytest.skip("Debian's chromium and chromium-driver are not installed (apt-get install chromium "
                    "chromium-driver); CI installs them")
    return chromium, driver_bin


@pytest.fixture
def served(report: Path) -> Iterator[str]:
    """The report folder served on 127.0.0.1 (a free port) from a thread, as a user or CI would serve it."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's signature
            log.debug("http: " + format, *args)

    handler = functools.partial(Quiet, directory=str(report.parent.parent))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/report/index.html"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.slow
def test_page_in_headless_chromium(browser: tuple[str, str], served: str, report: Path, tmp_path: Path) -> None:
    chromium, driver_bin = browser
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    # An explicit driver path keeps Selenium Manager from trying to download one.
    driver = webdriver.Chrome(options=options, service=Service(driver_bin))
    try:
        driver.set_page_load_timeout(30)
        driver.get(served)
        wait = WebDriverWait(driver, 20, poll_frequency=0.2)
        wait.until(lambda d: d.execute_script("return document.readyState") == "complete")

        # Plots render: every <img> decoded to a real bitmap.
        images = driver.execute_script(
            "return Array.from(document.images).map(i => [i.getAttribute('src'), i.complete, i.naturalWidth])")
        assert len(images) == 6
        assert all(ok and width > 300 for _, ok, width in images), images

        # Audio players load: metadata read (readyState >= 1) and a 10 s duration, or an error we can show.
        state_js = ("return Array.from(document.querySelectorAll('audio')).map(a => "
                    "[a.getAttribute('src'), a.readyState, a.duration, a.error && a.error.code])")
        wait.until(lambda d: all(s[1] >= 1 or s[3] for s in d.execute_script(state_js)))
        audio = driver.execute_script(state_js)
        assert len(audio) == 8
        assert all(err is None and ready >= 1 and 9.5 < duration < 10.5 for _, ready, duration, err in audio), audio

        # Everything came from the loopback server: no CDN, no other host.
        origin = served.rsplit("/report/", 1)[0] + "/"
        resources = driver.execute_script("return performance.getEntriesByType('resource').map(r => r.name)")
        assert resources and all(url.startswith(origin) for url in resources), resources

        # Untrusted QA text is shown as text and never runs.
        assert driver.execute_script("return window.__pwned === undefined")
        body = driver.find_element(By.TAG_NAME, "body").text
        assert "window.__pwned=1</script>It is slow" in body and "How fast is the tempo?" in body

        driver.set_window_size(1280, min(driver.execute_script("return document.body.scrollHeight") + 40, 12000))
        shot = report.parent.parent / "screenshot.png"  # beside report/, so it is not part of the page
        driver.save_screenshot(str(shot))
        assert shot.stat().st_size > 10_000
        log.info("screenshot: %s", shot)

        # The filter shows only the chosen source and split, and says how many.
        def shown() -> list[tuple[str, str]]:
            return [(c.get_attribute("data-source"), c.get_attribute("data-split"))
                    for c in driver.find_elements(By.CSS_SELECTOR, ".clip") if c.is_displayed()]

        assert len(shown()) == 8
        Select(driver.find_element(By.ID, "filter-source")).select_by_value("magnatagatune")
        assert shown() and {s for s, _ in shown()} == {"magnatagatune"}
        Select(driver.find_element(By.ID, "filter-split")).select_by_value("test")
        assert shown() == [("magnatagatune", "test")]
        assert driver.find_element(By.ID, "sample-count").text == "1 of 8 clips shown"
        assert "no QA pairs kept" in driver.find_element(By.CSS_SELECTOR, ".clip:not([hidden])").text
        Select(driver.find_element(By.ID, "filter-split")).select_by_value("train")
        driver.set_window_size(1280, 900)
        driver.execute_script("document.getElementById('sample').scrollIntoView()")
        driver.save_screenshot(str(shot.with_name("screenshot-filtered.png")))
        Select(driver.find_element(By.ID, "filter-source")).select_by_value("")
        Select(driver.find_element(By.ID, "filter-split")).select_by_value("")
        assert len(shown()) == 8
    finally:
        driver.quit()



def test_every_source_gets_a_badge_colour_and_an_odd_name_none() -> None:
    from musicqa.report.page import BADGE_COLORS, badge_colors

    names = ["musiccaps", "magnatagatune", "mtg_jamendo", "song_describer", "custom", "fma"]
    colors = badge_colors(names + ["musiccaps", "bad name;}"])
    assert sorted(colors) == sorted(names)  # one per source, however many; a non-identifier gets no CSS rule
    assert len(set(colors.values())) == len(names) <= len(BADGE_COLORS)


def test_the_page_styles_the_badge_of_each_source_in_the_folder(report: Path) -> None:
    html = report.read_text()
    for source in {s for s, _, _ in LAYOUT}:
        assert f".badge.source-{source} {{ background: #" in html and f'class="badge source-{source}"' in html
