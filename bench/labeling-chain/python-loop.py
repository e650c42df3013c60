"""The anchor of the manifest-scan benchmark: Python's `for line in f: json.loads(line)` over one file.

Prints the line count, peak RSS (MiB) and CPU seconds of this process as JSON.
"""
import json
import resource
import sys

count = 0
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        json.loads(line)
        count += 1
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"lines": count, "peakRssMiB": usage.ru_maxrss / 1024, "cpuSeconds": usage.ru_utime + usage.ru_stime}))
