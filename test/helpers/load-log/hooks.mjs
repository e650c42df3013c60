// Module customization hooks (see register.mjs): append each loaded module URL to the file named by MLW_LOAD_LOG.
import { appendFileSync } from 'node:fs';

export async function load(url, context, nextLoad) {
  if (process.env.MLW_LOAD_LOG) appendFileSync(process.env.MLW_LOAD_LOG, `${url}\n`);
  return nextLoad(url, context);
}
