#!/usr/bin/env bash
# Set up taixin-qa in .venv (created if missing). Safe to run again: it skips
# what is already done.
#   scripts/setup.sh          -> the app and the command line
#   scripts/setup.sh --test   -> also test tools, and Debian's chromium + CJK fonts for the browser test
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=0
[[ "${1:-}" == "--test" ]] && with_tests=1

PY="${PYTHON:-python3}"
if [[ ! -x .venv/bin/python ]]; then
    echo "setup: creating .venv with $($PY --version)"
    "$PY" -m venv .venv
fi
VPY=.venv/bin/python

extras=""
[[ $with_tests == 1 ]] && extras="[test]"
stamp=".venv/.taixin-setup$( [[ $with_tests == 1 ]] && echo -test)"
want="$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && $VPY -c "import taixin_qa, torch" 2>/dev/null; then
    echo "setup: Python packages already installed"
else
    $VPY -m pip install --quiet --upgrade pip
    # Pinned on purpose: this version is a CPU wheel; an unpinned torch would pull a multi-GB CUDA build.
    $VPY -m pip install --quiet "torch==2.13.0"
    $VPY -m pip install --quiet -e ".${extras}"
    echo "$want" > "$stamp"
    echo "setup: Python packages installed"
fi

if [[ $with_tests == 1 ]]; then
    if [[ ! -x /usr/bin/chromium ]] || ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then
        if command -v apt-get >/dev/null && [[ $(id -u) == 0 ]]; then
            echo "setup: installing Debian's chromium and CJK fonts for the browser test"
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
        else
            echo "setup: warning: /usr/bin/chromium or CJK fonts missing and apt-get unavailable;" \
                 "the browser test will be skipped" >&2
        fi
    fi
fi
