#!/usr/bin/env bash
# The .deb CPack makes (cmake/package.cmake): built from the build tree,
# extracted into a scratch root (dpkg-deb -x, as no root rights are needed),
# its control file naming its dependencies, and a tool run from it: the
# extracted tapml-replay replays the committed MiniLM fixture on cpu, its
# worker found beside it (--isolate).
#   deb.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -euo pipefail
build=$1 source=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work" >"$work/cpack.log"
deb=$(ls "$work"/tapml_*.deb)
dpkg-deb --field "$deb" Depends | grep -q libhdf5
dpkg-deb -x "$deb" "$work/root"
test -f "$work/root/usr/include/tapml/provider.h"
test -f "$work/root/usr/lib/cmake/TapML/TapMLConfig.cmake"
test -f "$work/root/usr/share/doc/tapml/LICENSE"
"$work/root/usr/bin/tapml-replay" --version
"$work/root/usr/bin/tapml-replay" --target cpu --isolate --no-progress \
  "$source/tests/generated/minilm/fixture.h5" --min-coverage 100 >"$work/replay.txt"
grep -q '^coverage 100.00%' "$work/replay.txt"
echo "$(basename "$deb"): $(du -h "$deb" | cut -f1), extracted, tapml-replay ran from it"
