import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { type Command } from 'commander';
import { buildProgram } from '../../cli/program';
import { REPO_ROOT } from '../../lib/shared/paths';

/** What a CLI run printed and how it ended. */
export interface MlwRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The launcher users run (`npx mlw`): it starts the CLI built into dist/cli/ (test/helpers/global-setup.ts builds it). */
export const MLW_BIN = join(REPO_ROOT, 'bin/mlw.js');

/**
 * Run the real, built `mlw` (bin/mlw.js → dist/cli/mlw.mjs) in a child process. Asynchronous on purpose: local servers
 * (s3rver, kinesalite, fakes) run in the test process and must keep answering while the CLI runs.
 * @param nodeArgs options for `node` itself (e.g. `--import` of a loader hook)
 */
export function runMlw(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  nodeArgs: readonly string[] = [],
): Promise<MlwRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...nodeArgs, MLW_BIN, ...args],
      { encoding: 'utf8', env: { ...process.env, AWS_REGION: 'us-east-1', ...env } },
      (error, stdout, stderr) =>
        resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** Every command of a program, depth first (the root first). */
export function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)];
}

/**
 * Run the CLI program in this process (so SDK clients can be mocked with aws-sdk-client-mock), capturing standard
 * output and error. Errors the command throws propagate, and so do commander's usage errors (its exit is overridden).
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
    const program = await buildProgram(args);
    for (const command of allCommands(program)) command.exitOverride();
    await program.parseAsync(args, { from: 'user' });
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return { stdout, stderr };
}
