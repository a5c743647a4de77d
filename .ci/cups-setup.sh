#!/usr/bin/env bash
# A real print server for the printing tests: CUPS with a cups-pdf queue that "prints" each
# job to a PDF file in a known folder. Safe to run again: every step checks before acting.
#
#   queue:  mesocheck-pdf        (MESOCHECK_PRINTER overrides)
#           mesocheck-pdf-refusing, which refuses every job (for the failing-printer test)
#   files:  /var/spool/cups-pdf/mesocheck   (MESOCHECK_PRINT_DIR overrides)
#
# The tests find the queue with lpstat and the folder in /etc/cups/cups-pdf.conf ("Out").
set -euo pipefail

QUEUE="${MESOCHECK_PRINTER:-mesocheck-pdf}"
OUT_DIR="${MESOCHECK_PRINT_DIR:-/var/spool/cups-pdf/mesocheck}"
CONF=/etc/cups/cups-pdf.conf
say() { echo "cups-setup: $*"; }

if [ "$(id -u)" != 0 ]; then
  say "not root: leaving the print server as it is"
  exit 0
fi

# 1. Packages.
if ! command -v cupsd >/dev/null 2>&1 || [ ! -e /usr/lib/cups/backend/cups-pdf ] \
    || ! command -v lpadmin >/dev/null 2>&1; then
  say "installing cups and printer-driver-cups-pdf"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends \
    cups cups-client cups-bsd printer-driver-cups-pdf ghostscript >/dev/null
fi

# 2. Where cups-pdf writes: one folder for every user, writable by all (like /tmp).
mkdir -p "$OUT_DIR"
chmod 1777 "$OUT_DIR"
if [ -f "$CONF" ]; then
  if grep -qE "^Out[[:space:]]+$OUT_DIR\$" "$CONF"; then
    :
  elif grep -qE "^Out[[:space:]]" "$CONF"; then
    sed -i -E "s|^Out[[:space:]].*|Out $OUT_DIR|" "$CONF"
  else
    echo "Out $OUT_DIR" >>"$CONF"
  fi
  # Files readable by the test that printed them, whoever runs it.
  if grep -qE "^#?UserUMask" "$CONF"; then
    sed -i -E "s|^#?UserUMask.*|UserUMask 0022|" "$CONF"
  else
    echo "UserUMask 0022" >>"$CONF"
  fi
fi

# 3. The scheduler.
if ! lpstat -r 2>/dev/null | grep -q "is running"; then
  say "starting cupsd"
  mkdir -p /run/cups /var/spool/cups /var/cache/cups
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl start cups || /usr/sbin/cupsd
  else
    /usr/sbin/cupsd
  fi
  for _ in $(seq 1 50); do
    lpstat -r 2>/dev/null | grep -q "is running" && break
    sleep 0.2
  done
fi
if ! lpstat -r 2>/dev/null | grep -q "is running"; then
  say "cupsd did not start" >&2
  exit 1
fi

# 4. The queue, with the cups-pdf backend and its driver.
PPD=""
for candidate in /usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd /usr/share/ppd/cups-pdf/CUPS-PDF_noopt.ppd \
    /usr/share/ppd/cups-pdf/CUPS-PDF.ppd; do
  if [ -f "$candidate" ]; then PPD="$candidate"; break; fi
done
if ! lpstat -v "$QUEUE" >/dev/null 2>&1; then
  say "adding queue $QUEUE"
  if [ -n "$PPD" ]; then
    lpadmin -p "$QUEUE" -v cups-pdf:/ -P "$PPD" -D "mesocheck test printer (PDF files)"
  else
    lpadmin -p "$QUEUE" -v cups-pdf:/ -m lsb/usr/cups-pdf/CUPS-PDF_opt.ppd \
      -D "mesocheck test printer (PDF files)"
  fi
fi
cupsenable "$QUEUE"
cupsaccept "$QUEUE"

# 5. A second queue that refuses every job, for the "failing printer" test.
REFUSING="${QUEUE}-refusing"
if ! lpstat -v "$REFUSING" >/dev/null 2>&1; then
  say "adding queue $REFUSING (refuses jobs)"
  if [ -n "$PPD" ]; then
    lpadmin -p "$REFUSING" -v cups-pdf:/ -P "$PPD" -D "mesocheck test printer that refuses jobs"
  else
    lpadmin -p "$REFUSING" -v cups-pdf:/ -m lsb/usr/cups-pdf/CUPS-PDF_opt.ppd \
      -D "mesocheck test printer that refuses jobs"
  fi
fi
cupsenable "$REFUSING"
cupsreject -r "Out of paper" "$REFUSING"

lpstat -p "$QUEUE" -p "$REFUSING"
say "queue $QUEUE prints to PDF files in $OUT_DIR; $REFUSING refuses every job"
