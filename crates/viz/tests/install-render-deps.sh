#!/usr/bin/env bash
# Installs what the visualizer's screenshot test needs to render without a GPU or a display:
# Xvfb (a virtual X server) and Mesa's software Vulkan driver (lavapipe). bevy 0.19 on Linux
# renders through Vulkan only, so without mesa-vulkan-drivers it cannot start.
# Exit status 0 = installed (or already there), 77 = cannot install here (not root, no apt).
set -euo pipefail

need=()
command -v Xvfb >/dev/null 2>&1 || need+=(xvfb)
ls /usr/share/vulkan/icd.d/lvp_icd.*.json >/dev/null 2>&1 || need+=(mesa-vulkan-drivers)
if [[ ${#need[@]} -eq 0 ]]; then
    echo "render test dependencies present (Xvfb, lavapipe)"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "skipped: no apt-get to install ${need[*]}" >&2
    exit 77
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo="sudo -n"
    else
        echo "skipped: not root and no password-less sudo to install ${need[*]}" >&2
        exit 77
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "installed ${need[*]}"
