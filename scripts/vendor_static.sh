#!/usr/bin/env bash
# Fetch the chart library and the map outlines from the npm registry into static/vendor/, so where
# every vendored byte came from can be reproduced (no CDN at run time). Needs npm and node.
#   echarts@6.1.0  (Apache-2.0): dist/echarts.min.js
#   echarts@4.9.0  (Apache-2.0): map/json/china.json and map/json/province/*.json — the province and
#                  city outlines ECharts shipped until 4.9; later releases dropped the map files.
# The outlines keep ECharts' compact UTF8Encoding (ECharts 6 still decodes it); each feature gains a
# `code` property (its GB/T 2260 code) and each province file is named by its province's code, so the
# pages can match regions by code rather than by name.
set -euo pipefail
ECHARTS=6.1.0
MAPS=4.9.0
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/static/vendor"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cd "$tmp"
npm pack --silent "echarts@$ECHARTS" >/dev/null
npm pack --silent "echarts@$MAPS" >/dev/null
mkdir lib maps
tar xzf "echarts-$ECHARTS.tgz" -C lib
tar xzf "echarts-$MAPS.tgz" -C maps

mkdir -p "$out/echarts" "$out/china-geo/province"
cp lib/package/dist/echarts.min.js lib/package/LICENSE lib/package/NOTICE "$out/echarts/"
cp maps/package/LICENSE maps/package/NOTICE "$out/china-geo/"

node - "$tmp/maps/package/map/json" "$out/china-geo" <<'JS'
const fs = require("fs");
const path = require("path");
const [src, dst] = process.argv.slice(2);
function withCodes(file) {
  const geo = JSON.parse(fs.readFileSync(file, "utf8"));
  for (const f of geo.features) {
    const id = f.id || f.properties.id;
    if (id) f.properties.code = String(id);
  }
  return geo;
}
fs.writeFileSync(path.join(dst, "china.json"), JSON.stringify(withCodes(path.join(src, "china.json"))));
for (const name of fs.readdirSync(path.join(src, "province"))) {
  if (!name.endsWith(".json")) continue;
  const geo = withCodes(path.join(src, "province", name));
  // taiwan.json carries names but no codes: nothing to match our regions by, so it is left out
  // (a few other features without a code, e.g. 崇明区, are drawn but never coloured).
  const coded = geo.features.find((f) => f.properties.code);
  if (!coded) continue;
  const code = coded.properties.code.slice(0, 2) + "0000";
  fs.writeFileSync(path.join(dst, "province", code + ".json"), JSON.stringify(geo));
}
JS
echo "vendored echarts@$ECHARTS and the outlines of echarts@$MAPS into $out"
