import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { addAwsOptions } from './aws';
import { registerChainCommands } from './commands/chain';
import { registerActiveLearningCommands } from './commands/active-learning';
import { registerExampleCommands } from './commands/example';
import { registerReviewCommands } from './commands/review';
import { registerManifestCommands } from './commands/manifest';
import { registerTrafficCommands } from './commands/traffic';
import { registerTripsCommands } from './commands/trips';

const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };

/**
 * The `mlw` operator CLI. Every command takes the global `--region`, `--profile` and `--endpoint-url`
 * options; workflow commands register themselves from `cli/commands/`.
 */
export function buildProgram(): Command {
  const program = addAwsOptions(
    new Command('mlw')
      .description('Operator CLI for ml-workflows: manifests, simulators and workflow APIs')
      .version(version, '-V, --version')
      .showHelpAfterError()
      .configureOutput({ writeErr: (s) => process.stderr.write(s) }),
  );
  registerExampleCommands(program);
  registerActiveLearningCommands(program);
  registerReviewCommands(program);
  registerManifestCommands(program);
  registerChainCommands(program);
  registerTrafficCommands(program);
  registerTripsCommands(program);
  return program;
}

/** Run the CLI; errors print one line to stderr and exit 1. */
export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    process.stderr.write(`mlw: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
