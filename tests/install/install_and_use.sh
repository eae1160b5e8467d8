#!/usr/bin/env bash
# A user's first hour with an installed TapML, as CI runs it: install the
# build into a scratch prefix, build examples/provider out of tree against
# it with find_package(TapML) (and once more with pkg-config alone), replay
# the committed MiniLM fixture on the built provider with the installed
# tapml-replay (its ops PASS, the rest UNSUPPORTED with its reason, exit 0),
# catch its planted bug (exit 1), and run the committed MiniLM suite against
# it (skips, no failures), built in TapML's tree and out of tree against the
# installed package; build examples/lowered_provider (TapML's primitives
# written by the user over the installed TapML::lowering) and replay it.
#   install_and_use.sh BUILD_DIR SOURCE_DIR WORK_DIR SUITE_BINARY
set -euo pipefail
build=$1 source=$2 work=$3 suite=$4
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
fixture=$source/tests/generated/minilm/fixture.h5

cmake --install "$build" --prefix "$prefix" --strip >"$work/install.log"
"$prefix/bin/tapml-replay" --version | grep -q '^tapml-replay [0-9]\+\.[0-9]\+\.[0-9]\+ (TapML)$'
"$prefix/bin/tapml-replay" --help | grep -q '^Exit codes: 0'

cmake -S "$source/examples/provider" -B "$work/example" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_FLAGS=-Werror >"$work/configure.log"
cmake --build "$work/example" >"$work/build.log"
provider=$work/example/libexample_provider.so
test -f "$provider"

PKG_CONFIG_PATH=$prefix/share/pkgconfig cc -std=c11 -Wall -Wextra -Werror -shared -fPIC \
  $(PKG_CONFIG_PATH=$prefix/share/pkgconfig pkg-config --cflags tapml-provider) \
  "$source/examples/provider/example_provider.c" -o "$work/libby_pkg_config.so"

replay() { "$prefix/bin/tapml-replay" --target "$provider" "$fixture" --no-progress "$@"; }
set +e
replay --junit "$work/replay.xml" >"$work/replay.txt" 2>&1
code=$?
set -e
if [ $code -ne 0 ]; then
  echo "the installed tapml-replay on the example exited $code, expected 0:"; cat "$work/replay.txt"; exit 1
fi
grep -Eq '^aten::add\.Tensor +3 +2 +0 +1 +0 ' "$work/replay.txt" ||
  { echo "adds: not 2 PASS, 1 UNSUPPORTED:"; cat "$work/replay.txt"; exit 1; }
grep -Eq '^aten::mul\.Tensor +1 +1 +0 +0 +0 ' "$work/replay.txt" ||
  { echo "mul: not PASS:"; cat "$work/replay.txt"; exit 1; }
grep -q 'example provider: float32 only' "$work/replay.xml" ||
  { echo "the JUnit report lacks the provider's reason"; exit 1; }

set +e
TAPML_PLANT_BUG=binary-partial-write replay --op 'aten::mul.Tensor' >"$work/planted.txt" 2>&1
code=$?
set -e
if [ $code -ne 1 ] || ! grep -Eq '^aten::mul\.Tensor +1 +0 +1 ' "$work/planted.txt"; then
  echo "the planted bug was not caught (exit $code):"; cat "$work/planted.txt"; exit 1
fi

"$suite" --tapml-target="$provider" --gtest_brief=1 >"$work/suite.txt" 2>&1 ||
  { echo "the MiniLM suite on the example failed:"; tail -30 "$work/suite.txt"; exit 1; }
grep -q 'SKIPPED' "$work/suite.txt"

# The committed MiniLM suite built out of tree against the installed package
# and registered on the example provider: ctest passes (cases of ops the
# provider lacks skipped), and the mul case fails on the planted kernel.
cmake -S "$source/tests/install/suite_project" -B "$work/suite" -DCMAKE_PREFIX_PATH="$prefix" \
  -DSUITE="$source/tests/generated/minilm" -DTAPML_SUITE_TARGETS="$provider" \
  >"$work/suite-configure.log"
cmake --build "$work/suite" -j 2 >"$work/suite-build.log" ||
  { tail -30 "$work/suite-build.log"; exit 1; }
ctest --test-dir "$work/suite" -j 2 >"$work/suite-ctest.txt" 2>&1 ||
  { echo "the out-of-tree suite failed on the example:"; tail -30 "$work/suite-ctest.txt"; exit 1; }
grep -Eq '100% tests passed, 0 tests failed out of [1-9]' "$work/suite-ctest.txt"
grep -q 'minilm.libexample_provider.aten_mul_Tensor' "$work/suite-ctest.txt"
if TAPML_PLANT_BUG=binary-partial-write ctest --test-dir "$work/suite" -R aten_mul_Tensor \
  >"$work/suite-planted.txt" 2>&1; then
  echo "the out-of-tree suite passed the planted kernel:"; cat "$work/suite-planted.txt"; exit 1
fi
# examples/lowered_provider: TapML's primitives written by the user, the
# installed TapML::lowering linked in; its three primitives answer the
# MiniLM fixture's linears, elementwise ops and gelu, and the planted
# bias-less matmul fails the linears (3 of 4: the pooler's bias is all
# zeros in these weights).
cmake -S "$source/examples/lowered_provider" -B "$work/lowered" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_CXX_FLAGS=-Werror >"$work/lowered-configure.log"
cmake --build "$work/lowered" >"$work/lowered-build.log" ||
  { tail -30 "$work/lowered-build.log"; exit 1; }
lowered=(--target "$work/lowered/liblowered_provider.so" --op 'linear|gelu|tanh|add.Tensor')
"$prefix/bin/tapml-replay" "${lowered[@]}" "$fixture" --no-progress >"$work/lowered.txt" 2>&1 ||
  { echo "the lowered example failed:"; cat "$work/lowered.txt"; exit 1; }
grep -Eq '^total +9 +9 +0 +0 +0 ' "$work/lowered.txt" ||
  { echo "the lowered example: not 9 PASS:"; cat "$work/lowered.txt"; exit 1; }
if TAPML_PLANT_BUG=matmul-no-bias "$prefix/bin/tapml-replay" "${lowered[@]}" "$fixture" \
  --no-progress >"$work/lowered-planted.txt" 2>&1 ||
  ! grep -Eq '^aten::linear +4 +1 +3 ' "$work/lowered-planted.txt"; then
  echo "the lowered example's planted bug was not caught:"; cat "$work/lowered-planted.txt"; exit 1
fi
echo "installed, example built (CMake and pkg-config), replayed, planted bug caught, suite run in and out of tree; the lowered example built on TapML::lowering, replayed, planted bug caught"
