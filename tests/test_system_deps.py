"""scripts/system_deps.sh, as install.sh runs it, on machines faked through PATH.

Each test gives the script a bin folder holding only the programs that machine "has" (stubs), so
nothing is installed for real: a stub apt-get records its arguments and, like the real one, puts the
programs it installs on PATH.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO

SCRIPT = REPO / "scripts" / "system_deps.sh"
SOUNDFONT = Path("/usr/share/sounds/sf2/TimGM6mb.sf2")  # the script checks this file; a stub cannot make it
BASH = shutil.which("bash")
# what the script itself calls besides the faked programs
NEEDED = ("env", "chmod")


def stub(bin_dir: Path, name: str, body: str = "exit 0") -> None:
    path = bin_dir / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def machine(tmp_path: Path, *programs: str, uid: int = 1000) -> Path:
    """A bin folder with stubs for ``programs`` plus ``id -u`` printing ``uid``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in NEEDED:
        (bin_dir / name).symlink_to(shutil.which(name))
    stub(bin_dir, "id", f"echo {uid}")
    for name in programs:
        stub(bin_dir, name)
    return bin_dir


def fake_apt(bin_dir: Path, log: Path) -> None:
    """An apt-get that logs its arguments and, on install, puts each package's program on PATH."""
    programs = {"ffmpeg": "ffmpeg", "chromium": "chromium", "chromium-driver": "chromedriver",
                "fluidsynth": "fluidsynth"}
    cases = "".join(f'    {pkg}) printf "#!/bin/sh\\n" > "{bin_dir}/{exe}"; chmod +x "{bin_dir}/{exe}" ;;\n'
                    for pkg, exe in programs.items())
    stub(bin_dir, "apt-get", f'echo "$@" >> "{log}"\n'
                             f'[ "$1" = install ] || exit 0\n'
                             f'for p in "$@"; do\n  case "$p" in\n{cases}  esac\ndone')


def run(bin_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([BASH, str(SCRIPT), *args], env={"PATH": str(bin_dir)}, capture_output=True, text=True,
                          timeout=60)


def test_no_ffmpeg_and_no_package_manager_stops_with_one_line_naming_it(tmp_path):
    proc = run(machine(tmp_path))
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "musicqa needs system packages (Debian names): ffmpeg; install them, then rerun"]
    assert proc.stdout == ""


def test_without_root_or_sudo_it_names_the_apt_command_and_installs_nothing(tmp_path):
    log = tmp_path / "apt.log"
    bin_dir = machine(tmp_path, "chromium")  # a browser but no driver: the driver must still be asked for
    fake_apt(bin_dir, log)
    stub(bin_dir, "sudo", "exit 1")  # sudo -n fails: a password would be needed
    proc = run(bin_dir, "test")
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "sudo apt-get install -y ffmpeg chromium-driver" in lines[0]
    assert not log.exists()  # stopped before touching apt


def test_as_root_it_installs_what_is_missing_with_apt(tmp_path):
    log = tmp_path / "apt.log"
    bin_dir = machine(tmp_path, uid=0)
    fake_apt(bin_dir, log)
    proc = run(bin_dir)
    assert proc.returncode == 0, proc.stderr
    assert log.read_text().splitlines() == ["update -qq", "install -y -qq ffmpeg"]
    assert (bin_dir / "ffmpeg").exists()
    assert proc.stdout.strip() == "installing system packages with apt-get: ffmpeg"


def test_passwordless_sudo_is_used_for_apt(tmp_path):
    log = tmp_path / "apt.log"
    bin_dir = machine(tmp_path)
    fake_apt(bin_dir, log)
    stub(bin_dir, "sudo", '[ "$1" = -n ] && exit 0\nexec "$@"')
    proc = run(bin_dir)
    assert proc.returncode == 0, proc.stderr
    assert "install -y -qq ffmpeg" in log.read_text()


def test_an_install_that_does_not_provide_the_program_is_an_error(tmp_path):
    bin_dir = machine(tmp_path, "apt-get", uid=0)  # apt-get "succeeds" but ffmpeg never appears
    proc = run(bin_dir)
    assert proc.returncode == 1
    assert proc.stderr.strip() == ("musicqa still needs system packages after apt-get install: ffmpeg; "
                                   "install them, then rerun")


def test_bench_mode_installs_fluidsynth_and_the_soundfont(tmp_path):
    log = tmp_path / "apt.log"
    bin_dir = machine(tmp_path, "ffmpeg", uid=0)
    fake_apt(bin_dir, log)
    proc = run(bin_dir, "bench")
    expected = ["fluidsynth"] + ([] if SOUNDFONT.is_file() else ["timgm6mb-soundfont"])
    assert log.read_text().splitlines() == ["update -qq", "install -y -qq " + " ".join(expected)]
    assert (bin_dir / "fluidsynth").exists()
    if SOUNDFONT.is_file():
        assert proc.returncode == 0, proc.stderr
    else:  # the stub apt cannot create the soundfont file, so the script reports it still missing
        assert proc.returncode == 1
        assert "timgm6mb-soundfont" in proc.stderr


def test_bench_mode_without_root_names_fluidsynth(tmp_path):
    bin_dir = machine(tmp_path, "ffmpeg", "apt-get")
    stub(bin_dir, "sudo", "exit 1")
    proc = run(bin_dir, "bench")
    assert proc.returncode == 1
    assert "sudo apt-get install -y fluidsynth" in proc.stderr.strip()
    assert "chromium" not in proc.stderr  # the browser is for the tests, not the bench


@pytest.mark.skipif(not (Path("/usr/share/wordnet").is_dir() and SOUNDFONT.is_file()),
                    reason="needs WordNet in /usr/share/wordnet and the TimGM6mb soundfont (apt-get install "
                    "wordnet-base timgm6mb-soundfont), so that only the faked programs are missing")
def test_a_complete_machine_installs_nothing_and_says_nothing(tmp_path):
    log = tmp_path / "apt.log"
    bin_dir = machine(tmp_path, "ffmpeg", "chromium", "chromedriver", "fluidsynth", uid=0)
    fake_apt(bin_dir, log)
    proc = run(bin_dir, "test")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert not log.exists()
