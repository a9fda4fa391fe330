#!/usr/bin/env bash
# Makes a self-signed TLS certificate for tests: CN=localhost, subjectAltName IP:127.0.0.1 and DNS:localhost.
# Usage: scripts/make-test-cert.sh DIR   -> DIR/cert.pem, DIR/key.pem (valid 10 years, RSA 2048, no passphrase)
set -euo pipefail
dir="${1:?usage: $0 DIR}"
mkdir -p "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" \
    -subj "/CN=localhost" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -addext "extendedKeyUsage=serverAuth" 2>/dev/null
chmod 600 "$dir/key.pem"
