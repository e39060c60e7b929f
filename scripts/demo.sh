#!/usr/bin/env bash
# demo.sh -- a consistency check end to end on a synthetic site, no services needed:
# generates ./demo/site (a CMS-like tree with planted problems) and ./demo/inventory.txt,
# writes ./demo/consistency.toml (lister posix, inventory dump) and runs `consistency run`.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$REPO/scripts/setup.sh"
cd "$REPO"
DEMO="$REPO/demo"
PY="$REPO/.venv/bin/python"

echo "==> demo: generating a synthetic site in $DEMO"
rm -rf "$DEMO/site" "$DEMO/inventory.txt" "$DEMO/results" "$DEMO/state" "$DEMO/expected.json"
mkdir -p "$DEMO"
"$PY" -m consistency_core.testing.sitegen "$DEMO" --seed "${DEMO_SEED:-42}" --files "${DEMO_FILES:-5000}"

IGNORE=$("$PY" -c 'import json, sys; print(", ".join(json.dumps(p) for p in json.load(open(sys.argv[1]))["ignore"]))' "$DEMO/expected.json")
cat > "$DEMO/consistency.toml" <<TOML
# Demo site written by scripts/demo.sh: a local tree checked against a text inventory dump.
[defaults]
ignore_age_days = 1
threads = 4
timeout = 30
retries = 1

[sites.DEMO]
lister = "posix"
url = "$DEMO/site"
root = "/store"
inventory = "dump"
inventory_url = "$DEMO/inventory.txt"
ignore = [$IGNORE]
state_dir = "$DEMO/state"
output = "$DEMO/results"
TOML
echo "==> demo: config $DEMO/consistency.toml"
cat "$DEMO/consistency.toml"

echo "==> demo: .venv/bin/consistency run --site DEMO --config demo/consistency.toml --output demo/results"
rc=0
"$REPO/.venv/bin/consistency" run --site DEMO --config demo/consistency.toml --output demo/results || rc=$?
if [ "$rc" != 0 ]; then echo "==> demo: consistency run failed (exit $rc)"; exit "$rc"; fi

echo "==> demo: result files in demo/results"
ls -l demo/results
# what the generator planted, against what the check found
"$PY" - "$DEMO" <<'PY'
import glob, json, os, sys
demo = sys.argv[1]
exp = json.load(open(f"{demo}/expected.json"))
ok = True
for kind in ("missing", "orphan", "size_mismatch", "empty_dirs"):
    files = glob.glob(f"{demo}/results/DEMO_{kind}.txt")
    if not files:
        print(f"  {kind:14} planted {len(exp[kind]):5}   (no result file)")
        continue
    found = [l.split()[0] for l in open(files[0]) if l.strip() and not l.startswith("#")]
    same = sorted(found) == sorted(exp[kind])
    ok &= same
    print(f"  {kind:14} planted {len(exp[kind]):5}   found {len(found):5}   {'OK' if same else 'DIFFERENT'}")
print("==> demo: the check found exactly what was planted" if ok else
      "==> demo: the check and the planted problems differ (see above)")
PY
