#!/usr/bin/env bash
# Install, through apt, the system packages the code calls — only those that are missing.
set -euo pipefail

PACKAGES=(
  tesseract-ocr        # OCR engine (pytesseract calls it)
  tesseract-ocr-vie    # Vietnamese model
  tesseract-ocr-osd    # orientation model (second opinion on unsure pages)
  poppler-utils        # pdftoppm/pdfinfo (pdf2image), pdfsig/pdftotext (tests)
  fonts-liberation2    # Times-compatible font with Vietnamese glyphs (signature box, text layer, samples)
  softhsm2             # PKCS#11 software token: signing tests through the token backend
  python3-venv         # python -m venv on Debian's Python
  chromium             # headless browser for the dashboard test (selenium)
  chromium-driver      # chromedriver for selenium
  postgresql-client    # pg_dump/pg_restore: sohoa backup/restore of a PostgreSQL catalog (and its tests)
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A Python not from Debian (pyenv, deadsnakes) brings its own venv module.
if [[ " ${missing[*]} " == *" python3-venv "* ]] && python3 -c 'import venv, ensurepip' 2>/dev/null; then
  missing=("${missing[@]/python3-venv}")
fi
missing=(${missing[@]})
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing system packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "need root or sudo to install: ${missing[*]}"; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
