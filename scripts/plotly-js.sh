#!/usr/bin/env bash
# Puts plotly.js where a build of visivo finds it: .build/plotly/plotly.min.js, taken from
# the PyPI `plotly` wheel (which ships plotly.min.js) by pip; nothing is committed and no
# CDN is used. Prints the file's path. Re-running is cheap: an existing file is kept.
#   scripts/plotly-js.sh            fetch if missing, print the path
#   PLOTLY_WHEEL_VERSION=6.5.0 ...  another wheel (default below)
set -euo pipefail
cd "$(dirname "$0")/.."
version="${PLOTLY_WHEEL_VERSION:-7.1.0}"
dir=.build/plotly
out="$dir/plotly.min.js"
stamp="$dir/wheel-version"
if [[ -s "$out" && -f "$stamp" && "$(cat "$stamp")" == "$version" ]]; then
  echo "$PWD/$out"
  exit 0
fi
mkdir -p "$dir"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" "plotly==$version" >&2 || {
  echo "plotly-js.sh: could not download the plotly wheel $version from PyPI (pip download plotly==$version)" >&2
  exit 1
}
python3 - "$tmp" "$tmp/plotly.min.js" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/plotly-*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    data = z.read("plotly/package_data/plotly.min.js")
open(sys.argv[2], "wb").write(data)
PY
mv "$tmp/plotly.min.js" "$out"
echo "$version" > "$stamp"
echo "$PWD/$out"
