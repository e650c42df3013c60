import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { buildProgram } from '../../cli/program';
import { REPO_ROOT } from '../../lib/shared/paths';

/** What a CLI run printed and how it ended. */
export interface MlwRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Run the real `mlw` entry (bin/mlw.js, through tsx) in a child process. Asynchronous on purpose: local servers
 * (s3rver, kinesalite, fakes) run in the test process and must keep answering while the CLI runs.
 */
export function runMlw(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<MlwRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, 'bin/mlw.js'), ...args],
      { encoding: 'utf8', env: { ...process.env, AWS_REGION: 'us-east-1', ...env } },
      (error, stdout, stderr) =>
        resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * Run the CLI program in this process (so SDK clients can be mocked with aws-sdk-client-mock), capturing standard
 * output and error. Errors the command throws propagate (commander's exit is overridden).
 */
export async function runMlwInProcess(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    await buildProgram()
      .exitOverride()
      .parseAsync(['node', 'mlw', ...args]);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return { stdout, stderr };
}
