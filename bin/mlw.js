#!/usr/bin/env node
// Entry of the `mlw` command: runs the TypeScript CLI through tsx (a runtime dependency), no build step.
require('tsx/cjs');
require('./mlw.ts');
