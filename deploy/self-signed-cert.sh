#!/usr/bin/env bash
# A self-signed certificate for a trial of the deployment (browsers warn about it; a district
# installs its own certificate instead, see deploy/certs/README.md). Writes fullchain.pem and
# privkey.pem, the names deploy/nginx expects, into DIR (default deploy/certs).
#
#   deploy/self-signed-cert.sh lingxing.example.gov.cn [DIR] [DAYS]
set -euo pipefail
name="${1:?usage: $0 HOST-NAME [DIR] [DAYS]}"
dir="${2:-$(dirname "$0")/certs}"
days="${3:-365}"
mkdir -p "$dir"
case "$name" in
  *[!0-9.]*) san="DNS:$name" ;;
  *) san="IP:$name" ;;
esac
# The key is written readable by its owner only; nginx's master process reads it as root.
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 \
  -days "$days" -subj "/CN=$name" -addext "subjectAltName=$san" \
  -keyout "$dir/privkey.pem" -out "$dir/fullchain.pem" 2>/dev/null
chmod 644 "$dir/fullchain.pem"
echo "wrote $dir/fullchain.pem and $dir/privkey.pem for $name, valid $days days"
