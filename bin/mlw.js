#!/usr/bin/env node
// Entry of the `mlw` command: runs the TypeScript CLI through tsx (a runtime dependency), no build step. Both hooks:
// `require` for the CLI's static imports, and `import()` for the modules commands load only when they run.
require('tsx/cjs');
import('tsx/esm/api').then(({ register }) => {
  register();
  require('./mlw.ts');
});
