#!/usr/bin/env node
// Entry of the `mlw` command: runs the CLI that `npm run build` compiled into dist/cli/ (npm ci and npm install build it
// through the `prepare` step). No TypeScript is compiled at run time.
'use strict';
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

if (process.env.MLW_DEBUG) process.setSourceMapsEnabled(true);
const entry = join(__dirname, '..', 'dist', 'cli', 'mlw.mjs');
import(pathToFileURL(entry).href).catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes(entry)) {
    process.stderr.write(`mlw: the CLI is not built (${entry} is missing): run \`npm run build\` (npm ci runs it)\n`);
  } else {
    process.stderr.write(`mlw: ${error && error.stack ? error.stack : String(error)}\n`);
  }
  process.exitCode = 1;
});
