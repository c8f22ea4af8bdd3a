#!/usr/bin/env bash
# Installs what agreement-gen needs from Debian when it is missing, and says so: python3-venv,
# LibreOffice Writer (DOCX → PDF), the Liberation fonts the template uses, poppler-utils
# (pdffonts/pdftoppm for checks) and qpdf. Does nothing when everything is there.
set -euo pipefail

missing=()
# Debian's python3 creates virtual environments only with python3-venv (ensurepip) installed.
"${PYTHON:-python3}" -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-writer-nogui)
fc-list 2>/dev/null | grep -q "Liberation Sans" || missing+=(fonts-liberation2)
command -v pdffonts >/dev/null 2>&1 || missing+=(poppler-utils)
command -v qpdf >/dev/null 2>&1 || missing+=(qpdf)
# Headless Chromium only for the tests (the publication bundle's browser test): `make test` sets
# WITH_BROWSER=1; `make build` never installs a browser.
if [ "${WITH_BROWSER:-0}" = "1" ]; then
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  # SoftHSM2: the real PKCS#11 token the signing tests initialise and sign from.
  command -v softhsm2-util >/dev/null 2>&1 || missing+=(softhsm2)
fi

[ ${#missing[@]} -eq 0 ] && exit 0

echo "agreement-gen: installing missing system packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "agreement-gen: please install as root: apt-get install ${missing[*]}" >&2
    exit 2
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" fontconfig >/dev/null
echo "agreement-gen: installed ${missing[*]}"
