"""Every distinct non-PASS call of the replay reports in a folder, one line
each (report, op, status, what it was replayed as, inputs, message): what to
look at after a zoo run on another machine (scripts/gpu.sh's zoo step).

    python3 failures.py REPORT_DIR
"""
import json, glob, collections, sys
for f in sorted(glob.glob(sys.argv[1] + "/zoo-*.json")):
    d = json.load(open(f))
    bad = [c for c in d["calls"] if c["status"] != "PASS"]
    seen = set()
    for c in bad:
        key = (c["op"], c["status"], c["message"][:150])
        if key in seen: continue
        seen.add(key)
        print(f.split("/")[-1], c["op"], c["status"], c.get("replayed_as",""), c["inputs"][:3], c["message"][:220])
