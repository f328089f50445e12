"""A user's first run: the README's main command in a fresh clone, and a wheel install used from elsewhere.

Both start from a git clone in an empty temp folder, so nothing beside the checkout (no ``../shared``)
and nothing untracked can help. They reuse this test run's venv instead of a fresh install (CI makes
that venv with scripts/install.sh) and its cached tiny models (byte-identical to what
prepare_smoke.py would train, see test_make_tiny_models.py).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, smoke_config

pytestmark = pytest.mark.slow
INSTALL_STEPS = ("python3 -m venv", ". .venv/bin/activate", "bash scripts/install.sh")
PY_WARNING = re.compile(r"\b\w*Warning: ")  # how Python prints warnings.warn(): "file.py:12: FutureWarning: ..."


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """``git clone`` of this checkout in an empty folder, plus the uncommitted edits to tracked files.

    The edits make the test check the code being worked on; untracked files stay out on purpose, so a
    file the build needs that nobody ``git add``-ed fails here instead of on a user's machine.
    """
    git = shutil.which("git")
    if git is None or not (REPO / ".git").exists():
        pytest.skip("needs git and a git checkout of musicqa (CI runs from one)")
    dest = tmp_path_factory.mktemp("user") / "musicqa"
    subprocess.run([git, "clone", "--quiet", str(REPO), str(dest)], check=True, capture_output=True)
    edits = subprocess.run([git, "-C", str(REPO), "diff", "HEAD", "--binary"], check=True,
                           capture_output=True).stdout
    if edits:
        subprocess.run([git, "-C", str(dest), "apply", "--whitespace=nowarn"], input=edits, check=True,
                       capture_output=True)
    assert sorted(p.name for p in dest.parent.iterdir()) == ["musicqa"]  # nothing beside it
    return dest


def readme_main_command(readme: Path) -> str:
    """The README's first command (install + main job) without the venv and install steps."""
    block = re.search(r"```bash\n(.+?)\n```", readme.read_text(encoding="utf-8"), re.DOTALL)
    assert block, f"{readme}: no ```bash block"
    steps = [s.strip() for s in block.group(1).split("&&")]
    assert [s for s in steps if s.startswith(INSTALL_STEPS)], f"not the install + main command: {steps}"
    return " && ".join(s for s in steps if not s.startswith(INSTALL_STEPS))


def user_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell that activated this venv, plus ``extra``.

    ``python`` is this venv's (first on PATH). What this test process set for itself is left out: PYTHONPATH,
    and the log levels musicqa.engines.vllm sets when the session's shared engine starts.
    """
    ours = ("PYTHONPATH", "VLLM_LOGGING_LEVEL", "TORCH_CPP_LOG_LEVEL")
    env = {k: v for k, v in os.environ.items() if k not in ours}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return {**env, **extra}


def assert_clean(output: str) -> None:
    """No traceback, no native leak wall, no Python warning and none of vLLM's expected warnings."""
    from musicqa.engines.vllm import EXPECTED_WARNINGS

    assert "Traceback" not in output, output[-3000:]
    leaks = [line for line in output.splitlines() if "leaked" in line]
    assert not leaks, f"native leak lines (is triton installed? scripts/install.sh removes it): {leaks[:3]}"
    assert not PY_WARNING.search(output), PY_WARNING.search(output).group(0) + output[-3000:]
    assert not [w for w in EXPECTED_WARNINGS if w in output], output[-3000:]


def test_readme_main_command_in_a_fresh_clone_builds_a_loadable_dataset(clone, tiny_models):
    from datasets import load_dataset

    command = readme_main_command(clone / "README.md")
    assert "python -m musicqa build" in command
    shutil.copytree(tiny_models, clone / ".smoke" / "models")  # prepare_smoke.py then keeps them
    env = user_env(PYTHONPATH=str(clone))  # the clone's code, whatever the venv's editable install points at
    where = subprocess.run([sys.executable, "-c", "import musicqa; print(musicqa.__file__)"], cwd=clone, env=env,
                           capture_output=True, text=True, check=True)
    assert Path(where.stdout.strip()).is_relative_to(clone)

    proc = subprocess.run(["bash", "-c", command], cwd=clone, env=env, capture_output=True, text=True, timeout=1500)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-3000:]
    assert_clean(output)

    # the closing lines say what was built, where, and how to load it; the load line works as printed
    last = proc.stdout.strip().splitlines()
    assert last[-1].startswith("load it: "), last[-12:]
    assert any(line.startswith("built .smoke/dataset: ") for line in last), last[-12:]
    code = last[-1].removeprefix("load it: ") + "; print(sum(split.num_rows for split in ds.values()))"
    loaded = subprocess.run([sys.executable, "-c", code], cwd=clone, env=env, capture_output=True, text=True,
                            timeout=300)
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    assert int(loaded.stdout.split()[-1]) > 0

    ds = load_dataset(str(clone / ".smoke" / "dataset"), "musiccaps")
    row = next(r for split in ds.values() for r in split)
    assert row["qa"] and row["audio"] is not None


def test_a_wheel_install_builds_the_smoke_dataset_from_another_directory(clone, tiny_models, smoke_dirs, tmp_path):
    from datasets import load_dataset

    from musicqa.config import to_toml

    wheels, site, elsewhere = tmp_path / "wheels", tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheels), str(clone)], check=True, capture_output=True,
                   timeout=600)
    wheel = next(wheels.glob("musicqa-*.whl"))
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True,
                   capture_output=True, timeout=600)
    env = user_env(PYTHONPATH=str(site))
    probe = "import musicqa, musicqa.resources as r; print(musicqa.__file__); print(r.shipped_root())"
    where = subprocess.run([sys.executable, "-c", probe], cwd=elsewhere, env=env, capture_output=True, text=True,
                           check=True).stdout.split("\n")
    assert Path(where[0]).is_relative_to(site), where  # the installed copy, not a checkout
    assert Path(where[1]) == site / "musicqa" / "_data"

    out = tmp_path / "dataset"
    cfg = smoke_config(tiny_models, smoke_dirs, out, report=True)
    assert str(cfg.prompts_dir) == "prompts" and not (elsewhere / "prompts").exists()  # only the wheel has them
    (elsewhere / "smoke.toml").write_text(to_toml(cfg))
    proc = subprocess.run([sys.executable, "-m", "musicqa", "build", "--config", "smoke.toml"], cwd=elsewhere,
                          env=env, capture_output=True, text=True, timeout=1500)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert (out / "report" / "index.html").exists()  # the report's templates ship too
    ds = load_dataset(str(out), "musiccaps")
    assert sum(split.num_rows for split in ds.values()) > 0
    assert "pretty_name" in (out / "README.md").read_text()  # the card, rendered from the wheel's data_cards/
