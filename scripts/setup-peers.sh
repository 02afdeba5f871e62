#!/usr/bin/env bash
# Installs the Debian packages that tests and benchmarks compare against
# (native ffmpeg, numpy, scikit-learn, PyTorch and torchvision, Chromium for browser tests).
# Tests never call apt themselves; each skips with a message when its peer is absent.
# Safe to run repeatedly; does nothing when everything is present or apt is unavailable.
set -u
pkgs=(ffmpeg python3-numpy python3-sklearn python3-torch python3-torchvision chromium python3-pil)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && { echo "setup-peers: all peers present"; exit 0; }
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-peers: apt-get not available; tests needing ${missing[*]} will skip"; exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo -n"
echo "setup-peers: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null 2>&1 || true
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
  || echo "setup-peers: could not install some of ${missing[*]}; tests needing them will skip"
exit 0
