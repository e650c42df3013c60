import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/**
 * The Chromium executable for browser tests: `CHROMIUM_PATH` when set, else Debian's `/usr/bin/chromium`, installed
 * with apt-get on first use when the tests run as root on a Debian-like machine (a fresh CI or developer machine of
 * this project). Playwright never downloads a browser.
 *
 * @throws Error saying how to provide Chromium when it is missing and cannot be installed here.
 */
export function chromiumExecutable(): string {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`CHROMIUM_PATH=${configured} does not exist`);
    return configured;
  }
  if (existsSync(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
  const canInstall = process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get']).status === 0;
  if (canInstall) {
    const install = spawnSync('sh', ['-c', 'apt-get update -qq && apt-get install -y -qq chromium'], {
      stdio: 'ignore',
      timeout: 600_000,
    });
    if (install.status === 0 && existsSync(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
  }
  throw new Error(
    'Chromium is needed for the browser tests: install Debian\'s "chromium" package (apt-get install chromium) or set CHROMIUM_PATH to a Chromium executable',
  );
}

/** The flags every browser test launches Chromium with: headless, no sandbox, no network of its own. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
] as const;
