#!/usr/bin/env bash
# Make sure the browser tests (tests/test_browser.py) have a Chromium to drive, and a Chinese
# font it can embed in a PDF as text (WenQuanYi Micro Hei; see scripts/pdf.py and test_pdf.py).
#
#   bash scripts/check_chromium.sh     (run by `make test` and `make pdf` before they start)
#
# 1. $CHROMIUM, or chromium / chromium-browser on the PATH: print where it is, done.
# 2. None, and we are root with apt-get (CI, a fresh Debian machine): install Debian's
#    `chromium` package.
# 3. Otherwise print how to install it and exit 0: the browser tests then skip (and under
#    CI=true the test suite turns any skip into a failure, see tests/conftest.py).
#
# Playwright's own browser download (`playwright install`) is not used: the tests point
# Playwright's Python package at the system Chromium.
set -euo pipefail

find_chromium() {
    if [[ -n "${CHROMIUM:-}" && -x "${CHROMIUM}" ]]; then
        echo "${CHROMIUM}"
        return 0
    fi
    local name
    for name in chromium chromium-browser; do
        if command -v "$name" >/dev/null 2>&1; then
            command -v "$name"
            return 0
        fi
    done
    return 1
}

# The Chinese PDF needs a CJK font with TrueType outlines, which Chromium embeds as text
# (Noto Sans CJK came out as Type 3 drawings that read back wrong). Installed like Chromium:
# with apt-get when we are root; otherwise the PDF test says how, and skips.
ensure_cjk_font() {
    if command -v fc-list >/dev/null 2>&1 && fc-list | grep -qi "WenQuanYi Micro Hei"; then
        return 0
    fi
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "font: WenQuanYi Micro Hei not found; installing fonts-wqy-microhei (apt-get, once)"
        export DEBIAN_FRONTEND=noninteractive
        if apt-get update -qq && apt-get install -y -qq --no-install-recommends \
            fonts-wqy-microhei fontconfig >/dev/null; then
            return 0
        fi
        echo "font: apt-get install fonts-wqy-microhei failed" >&2
        [[ "${CI:-}" == "true" ]] && exit 1
    fi
    echo "font: no WenQuanYi Micro Hei: the Chinese PDF test will skip (apt-get install fonts-wqy-microhei)"
}
ensure_cjk_font

if path=$(find_chromium); then
    echo "chromium: $path ($("$path" --version 2>/dev/null || echo 'version unknown'))"
    exit 0
fi

if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "chromium: not found; installing Debian's chromium package (apt-get, once)"
    export DEBIAN_FRONTEND=noninteractive
    if apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null; then
        path=$(find_chromium)
        echo "chromium: installed $path ($("$path" --version 2>/dev/null))"
        exit 0
    fi
    echo "chromium: apt-get install chromium failed" >&2
    # CI must run the browser tests: fail here, with the cause, rather than later as a skip.
    [[ "${CI:-}" == "true" ]] && exit 1
    exit 0
fi

cat <<'EOF'
chromium: not found, so the browser tests (tests/test_browser.py) will be skipped.
To run them, install Chromium and run `make test` again:
    Debian/Ubuntu:  sudo apt-get install chromium     (Ubuntu: chromium-browser)
    Fedora:         sudo dnf install chromium
    macOS:          brew install --cask chromium
or point CHROMIUM at an existing Chromium or Chrome binary: make test CHROMIUM=/path/to/chrome
EOF
exit 0
