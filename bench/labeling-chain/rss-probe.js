// Preloaded (`node --require`) into the process under test: at exit, writes its own peak RSS and CPU time as JSON to
// the file named by MLW_BENCH_PROBE_FILE. Measures the real `mlw` process end to end without changing it.
'use strict';
const { writeFileSync } = require('node:fs');

const target = process.env.MLW_BENCH_PROBE_FILE;
if (target) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    // maxRSS is in KiB; CPU times in microseconds.
    writeFileSync(
      target,
      JSON.stringify({ peakRssMiB: usage.maxRSS / 1024, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6 }),
    );
  });
}
