#!/usr/bin/env bash
# Set up what `make` (build) or `make test` (test) needs on Debian 12: apt packages, then .venv.
# Usage: tools/setup.sh build|test|bench
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-build}

apt_build="fonts-noto-cjk fonts-noto-core fonts-symbola fonts-dejavu-core fonts-liberation2 libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 libpangocairo-1.0-0 poppler-utils libgs-common"
apt_test="chromium libreoffice-writer-nogui epubcheck"
python3 -c "import ensurepip" 2>/dev/null || apt_build="$apt_build python3-venv"
wanted=$apt_build
[ "$what" = test ] && wanted="$apt_build $apt_test"
[ "$what" = bench ] && wanted="$apt_build pandoc"

missing=""
for pkg in $wanted; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
# Java and npm may come from outside Debian's packages; install Debian's only when absent.
if [ "$what" = test ]; then
  command -v java >/dev/null || missing="$missing default-jre-headless"
  command -v npm >/dev/null || missing="$missing npm"
fi
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing apt packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "setup: missing apt packages. Run:  sudo apt-get install -y$missing" >&2
    exit 1
  fi
fi

extras=""
[ "$what" = test ] && extras="[test]"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
# pip's notes about this machine's own package-index settings ("Location … is ignored") are left out
{ .venv/bin/python -m pip install -q --disable-pip-version-check -e ".$extras" 2>&1 1>&3 \
    | { grep -v "^WARNING: Location '.*' is ignored" >&2 || true; }; } 3>&1

if [ "$what" = test ] && [ ! -f .tools/node_modules/vnu-jar/build/dist/vnu.jar ]; then
  mkdir -p .tools
  npm install --silent --no-audit --no-fund --prefix .tools vnu-jar@26.9.27 >/dev/null
fi
# DAISY Ace (EPUB accessibility) drives Debian's chromium: neither its browser nor Electron is downloaded
if [ "$what" = test ] && [ ! -x .tools/node_modules/.bin/ace-puppeteer ]; then
  mkdir -p .tools
  PUPPETEER_SKIP_DOWNLOAD=1 ELECTRON_SKIP_BINARY_DOWNLOAD=1 \
    npm install --silent --no-audit --no-fund --prefix .tools @daisy/ace@1.4.6 >/dev/null
fi
.venv/bin/python -m publisher.startup
