#!/usr/bin/env bash
# Make sure the system programs musicqa needs are present; install them when we may, else stop with one line.
#   bash scripts/system_deps.sh          # ffmpeg (torchcodec and the audio stage load its libraries)
#   bash scripts/system_deps.sh test     # + chromium, chromedriver (report test), WordNet 3.0 (METEOR test),
#                                        #   fluidsynth + a GM soundfont (the analysis bench's render test)
#   bash scripts/system_deps.sh bench    # ffmpeg + fluidsynth + a GM soundfont (python -m bench.analysis)
# Installs with apt-get (Debian/Ubuntu) or dnf (Fedora) when running as root or with passwordless sudo;
# otherwise exits 1 at once, naming the packages. Presence is checked by program or folder, not by
# package state, so a hand-built ffmpeg on PATH counts. scripts/install.sh runs this first.
set -euo pipefail
mode="${1:-}"
wordnet_dir=/usr/share/wordnet  # where Debian's wordnet-base puts WordNet 3.0; musicqa.evaluate reads it
soundfont=/usr/share/sounds/sf2/TimGM6mb.sf2  # Debian's timgm6mb-soundfont (5 MB); bench/analysis_clips.py reads it

missing() {  # the things still missing, one word each
  command -v ffmpeg >/dev/null || echo ffmpeg
  if [[ "$mode" == "test" ]]; then
    command -v chromium >/dev/null || echo chromium
    command -v chromedriver >/dev/null || echo chromedriver
    [[ -d "$wordnet_dir" ]] || echo wordnet
  fi
  if [[ "$mode" == "test" || "$mode" == "bench" ]]; then
    command -v fluidsynth >/dev/null || echo fluidsynth
    [[ -f "$soundfont" ]] || echo soundfont
  fi
}

packages() {  # $1: package manager; the rest: missing things -> that manager's package names
  local pm="$1"
  shift
  for thing in "$@"; do
    case "$pm:$thing" in
      apt-get:chromedriver) echo chromium-driver ;;
      apt-get:wordnet) echo wordnet-base ;;
      apt-get:soundfont) echo timgm6mb-soundfont ;;
      dnf:ffmpeg) echo ffmpeg-free ;;
      dnf:fluidsynth) echo fluidsynth ;;
      # Fedora names the browser chromium-browser and lays WordNet and its soundfonts out differently from
      # what the tests look for; the report, METEOR and analysis-render tests then skip, each naming what is missing
      dnf:*) ;;
      *) echo "$thing" ;;
    esac
  done
}

mapfile -t need < <(missing)
((${#need[@]})) || exit 0

pm=""
for candidate in apt-get dnf; do
  if command -v "$candidate" >/dev/null; then pm="$candidate"; break; fi
done
if [[ -z "$pm" ]]; then
  mapfile -t debian < <(packages apt-get "${need[@]}")
  echo "musicqa needs system packages (Debian names): ${debian[*]}; install them, then rerun" >&2
  exit 1
fi
mapfile -t pkgs < <(packages "$pm" "${need[@]}")
if ((${#pkgs[@]})); then
  as_root=()
  if [[ "$(id -u)" != 0 ]]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      as_root=(sudo)
    else
      echo "musicqa needs system packages: ${pkgs[*]}; run  sudo $pm install -y ${pkgs[*]}  then rerun" >&2
      exit 1
    fi
  fi
  echo "installing system packages with $pm: ${pkgs[*]}"
  if [[ "$pm" == apt-get ]]; then
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
  else
    "${as_root[@]}" dnf install -y -q "${pkgs[@]}" >/dev/null
  fi
fi
mapfile -t still < <(missing)
mapfile -t still_pkgs < <(packages "$pm" "${still[@]}")
if ((${#still_pkgs[@]})); then
  echo "musicqa still needs system packages after $pm install: ${still_pkgs[*]}; install them, then rerun" >&2
  exit 1
fi
if ((${#still[@]})); then
  echo "note: no ${still[*]} here (Debian packages); the tests that need them will skip"
fi
