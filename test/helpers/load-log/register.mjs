// `node --import ./register.mjs …`: records the URL of every ES module the process loads, one per line, in the file
// named by MLW_LOAD_LOG (the hooks run on Node's loader thread). Used by test/cli/program.lazy-loading.test.ts to see which
// chunks of the built CLI a command loads.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
