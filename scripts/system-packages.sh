#!/usr/bin/env bash
# The Debian packages `make run` and `make test` need: installed when we can (root and
# apt-get), otherwise we stop at once with the one command to run.
#   scripts/system-packages.sh run    gettext (compiled messages), fonts and Pango (PDFs)
#   scripts/system-packages.sh test   also Debian's chromium (browser tests) and poppler-utils
set -euo pipefail
need=()
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
fc-list 2>/dev/null | grep -i dejavu >/dev/null || need+=(fonts-dejavu-core)  # no -q: with pipefail an early exit fails the pipe
ldconfig -p 2>/dev/null | grep 'libpango-1.0.so' >/dev/null || need+=(libpango-1.0-0 libpangoft2-1.0-0)
if [ "${1:-run}" = test ]; then
  [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || need+=(chromium)
  command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing ${need[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  exit 0
fi
echo "Missing system packages. Run this once, then try again:" >&2
echo "  sudo apt-get install -y ${need[*]}" >&2
exit 1
