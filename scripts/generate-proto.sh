#!/usr/bin/env bash
# Regenerates the TypeScript code for proto/ into packages/protocol/src/generated.
# The output is committed; run this after every change to a .proto file.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
rm -rf packages/protocol/src/generated
buf lint
buf generate
echo "generated: $(find packages/protocol/src/generated -name '*.ts' | sort | tr '\n' ' ')"
