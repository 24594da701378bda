#!/bin/sh
# Make sure Graphviz's `dot` program is on PATH (the graphviz Python package needs it).
command -v dot >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Graphviz's dot is missing: installing Debian's graphviz package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q graphviz >/dev/null || { apt-get update -q && apt-get install -y -q graphviz; }
    command -v dot >/dev/null 2>&1 && exit 0
fi
echo "Graphviz's dot program is missing. Install it with one of:"
echo "  sudo apt-get install graphviz        # Debian, Ubuntu"
echo "  brew install graphviz                # macOS"
echo "  conda install -c conda-forge graphviz"
exit 1
