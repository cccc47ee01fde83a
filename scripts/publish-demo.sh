#!/usr/bin/env bash
# publish-demo.sh — the recording node with its publish page: open the URL
# it prints in a browser on this machine, allow the camera, and the node
# records you (WHIP). Press Enter (or leave the page) to stop; the archive
# is then written to out/publish-demo.zip and described.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target rtparchive_cli >/dev/null
work=$(mktemp -d)
key=123456 secret=$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9') session=demo
# The address the browser reaches the node's media ports on: this machine's
# first address (browsers gather no loopback candidates), else loopback.
address=$(hostname -I 2>/dev/null | awk '{print $1}'); address=${address:-127.0.0.1}
cat >"$work/node.json" <<JSON
{"listen": "127.0.0.1:8080", "mediaAddress": "$address", "mediaPorts": [40000, 40099],
 "storage": "$work/storage", "credentials": [{"apiKey": $key, "apiSecret": "$secret"}]}
JSON
./build/rtparchive serve --config "$work/node.json" >"$work/node.log" 2>&1 & node=$!
trap 'kill $node 2>/dev/null; wait $node 2>/dev/null || true' EXIT
api() { curl -s -H "X-TB-PARTNER-AUTH: $key:$secret" -H 'Content-Type: application/json' "$@"; }
sleep 0.5
echo "Open in a browser on this machine:"
echo "  http://127.0.0.1:8080/publish#apiKey=$key&session=$session&token=$secret&stream=you"
until grep -q "WHIP you: DTLS-SRTP up" "$work/node.log"; do sleep 0.5; done
id=$(api -d "{\"sessionId\": \"$session\", \"name\": \"publish demo\"}" \
  "http://127.0.0.1:8080/v2/project/$key/archive" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
read -r -p "Recording archive $id; press Enter to stop. " _
api -X POST -d '' "http://127.0.0.1:8080/v2/project/$key/archive/$id/stop" >/dev/null
until api "http://127.0.0.1:8080/v2/project/$key/archive/$id" | grep -q '"available"'; do sleep 0.5; done
mkdir -p out
api -o out/publish-demo.zip "http://127.0.0.1:8080/v2/project/$key/archive/$id/download"
./build/rtparchive inspect out/publish-demo.zip
