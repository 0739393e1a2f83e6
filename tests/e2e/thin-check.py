#!/usr/bin/env python3
"""Checks the devicemapper playbooks' jsonl output on the dmthin evidence.
usage: thin-check.py LABEL DIR  (DIR holds ls.jsonl, delta.jsonl,
files.jsonl, diff.jsonl, dump.jsonl); prints ok / not ok lines."""
import json, sys

label, d = sys.argv[1], sys.argv[2]


def load(name):
    with open(d + "/" + name) as f:
        return [json.loads(l) for l in f if l.strip()]


def check(name, cond, why):
    print(("ok %s: %s" % (label, name)) if cond else
          ("not ok %s: %s: %s" % (label, name, why)))


ls = load("ls.jsonl")
devs = {r["device_id"]: r for r in ls if r["kind"] == "thin_device"}
pool = [r for r in ls if r["kind"] == "thin_pool"]
found = {(r["what"], r.get("device_id")) for r in ls
         if r["kind"] == "thin_finding"}
check("pool transaction", pool and pool[0]["transaction_state"] ==
      "interrupted create" and pool[0]["open_transaction_id"] == 10, pool)
check("devices", sorted(devs) == [1, 2, 3, 4, 7, 8], sorted(devs))
check("fruitbowl's device", devs.get(4, {}).get("role") == "rw" and
      devs[4].get("container_name") == "fruitbowl", devs.get(4))
check("base device", devs.get(1, {}).get("role") == "base", devs.get(1))
check("orphan", devs.get(8, {}).get("role") == "no docker file" and
      ("orphan_device", 8) in found, found)
check("stale next_device_id", ("stale_next_device_id", 8) in found, found)
free = " ".join(s["text"] for r in ls if r["kind"] == "thin_free_data"
                for s in r["strings"])
check("bananas in free blocks", "BANANA" in free, free[:200])
removed = load("removed.jsonl")
rfree = " ".join(s["text"] for r in removed if r["kind"] == "thin_free_data"
                 for s in r["strings"])
check("removed: the bananas of the removed container", "BANANA" in rfree
      and "bananasplit" in rfree, rfree[:200])
delta = load("delta.jsonl")
durian = [r for r in delta if "DURIAN" in json.dumps(r.get("strings"))]
check("durian in fruitbowl's changed blocks", durian and
      durian[0]["change"] in ("right_only", "different") and
      durian[0]["right_device"] == 4, [r["change"] for r in delta])
files = {r["path"] for r in load("files.jsonl") if r["kind"] == "file"}
check("fruitbowl's files", files == {"/fruit", "/fruit/apples",
      "/fruit/lemons"}, sorted(files))
diff = {(r["change"], r["path"]) for r in load("diff.jsonl")}
check("diff", {("added", "/fruit/apples"), ("modified", "/fruit/lemons"),
               ("deleted", "/fruit/pears")} <= diff, sorted(diff))
dump = load("dump.jsonl")
check("thin-dump of fruitbowl", sum(r["length"] for r in dump) == devs.get(
      4, {}).get("mapped") and all(r["device_id"] == 4 for r in dump),
      len(dump))
