#!/usr/bin/env bash
# knob serve checked with OpenAI's official Node SDK, as a new user would try it (issue 17).
# Not part of ./mvnw verify: it needs the npm registry once. The Java SDK runs in the build
# (knob-lm OfficialSdkTest). Usage: tools/openai-node-check/run.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="$(mktemp -d)"
trap 'kill "${PID:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
(cd "$WORK" && npm init -y >/dev/null && npm install --silent openai@7.60.0)
cp "$HERE/check.mjs" "$WORK/"
"$ROOT/knob" model init --arch llama --out "$WORK/m" >/dev/null
"$ROOT/knob" serve --model "$WORK/m" --name tiny --port 18431 --max-string-length 24 >"$WORK/serve.log" 2>&1 &
PID=$!
for _ in $(seq 60); do curl -sf http://127.0.0.1:18431/v1/models >/dev/null && break; sleep 1; done
cd "$WORK" && KNOB_SERVE_URL=http://127.0.0.1:18431/v1 node check.mjs
