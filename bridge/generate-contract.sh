#!/usr/bin/env bash
# Regenerates the committed Java and Python code from atelier.thrift with Debian's
# thrift-compiler (0.17). ContractMatchesIdlTest fails when the two drift apart.
set -euo pipefail
cd "$(dirname "$0")"
command -v thrift >/dev/null || { echo "thrift not found: apt-get install thrift-compiler" >&2; exit 1; }
rm -rf src/generated/java src/generated/py
mkdir -p src/generated/java src/generated/py
thrift --gen java:generated_annotations=suppress -out src/generated/java src/main/thrift/atelier.thrift
thrift --gen py -out src/generated/py src/main/thrift/atelier.thrift
