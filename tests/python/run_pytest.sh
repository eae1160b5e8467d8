#!/usr/bin/env bash
# One file of the Python package's tests, with the venv pip installed into.
# Usage: run_pytest.sh BUILD_DIR TEST_FILE BASETEMP
set -euo pipefail
build=$1 file=$2 basetemp=$3
python=$build/python-venv/bin/python
if [ ! -x "$python" ]; then
  echo "python tests: $build/python-venv is missing: run bash scripts/install_python.sh $(basename "$build")" >&2
  exit 1
fi
# The installed package must be this build's: a module rebuilt since the
# install would test stale code.
built=$(ls "$build"/lib/_tapml*.so)
installed=$("$python" -c 'import tapml._native as n; print(n._MODULE_PATH)')
if [ "$built" -nt "$installed" ]; then
  echo "python tests: the installed tapml is older than $built: run bash scripts/install_python.sh $(basename "$build")" >&2
  exit 1
fi
package=$(dirname "$installed")/..
for source in "$(dirname "$file")"/../../python/tapml/*.py; do
  if ! cmp -s "$source" "$package/$(basename "$source")"; then
    echo "python tests: the installed tapml differs from $(basename "$source") in the source tree: run bash scripts/install_python.sh $(basename "$build")" >&2
    exit 1
  fi
done
mkdir -p "$(dirname "$basetemp")"
exec "$python" -m pytest -q -p no:cacheprovider --basetemp "$basetemp" "$file"
