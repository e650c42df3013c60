import { Command } from 'commander';
import { version } from '../package.json';
import { AWS_SETUP, addAwsOptions, explainAwsFailure, quietSdkNodeWarning } from './aws';
import { formatError } from './errors';
import { HELP_CONFIGURATION } from './help';

/** Registers a command module's commands on the root program. */
type Register = (program: Command) => void;

/**
 * One command module of `cli/commands/`: the top-level commands it registers, a one-line summary of each for the root
 * `--help`, and how to load it. A module (with the SDK clients and Lambda cores it uses) is loaded only when its
 * command runs or its own `--help` is asked for; the root `--help` loads none.
 */
interface CommandModule {
  readonly commands: Readonly<Record<string, string>>;
  load(): Promise<Register>;
}

/** Every command module, in the order the root `--help` lists them. */
export const COMMAND_MODULES: readonly CommandModule[] = [
  {
    commands: { example: 'Example workflow: summarize a JSON-lines file as the Lambda does' },
    load: async () => (await import('./commands/example')).registerExampleCommands,
  },
  {
    commands: {
      classify: 'Classify a sentence with the active-learning API',
      feedback: 'Active-learning feedback: send it, upload a batch file, consolidate reviews into training data',
    },
    load: async () => (await import('./commands/active-learning')).registerActiveLearningCommands,
  },
  {
    commands: {
      retrain: 'Classifier retraining: check training data, start runs, approve, reject or roll back a model',
    },
    load: async () => (await import('./commands/retrain')).registerRetrainCommands,
  },
  {
    commands: { review: 'Review portal: queue statistics, reviewer invitations, task creation' },
    load: async () => (await import('./commands/review')).registerReviewCommands,
  },
  {
    commands: { manifest: 'Ground Truth manifests: label statistics, import third-party labels' },
    load: async () => (await import('./commands/manifest')).registerManifestCommands,
  },
  {
    commands: { chain: 'Ground Truth job chaining: continue labeling jobs in series' },
    load: async () => (await import('./commands/chain')).registerChainCommands,
  },
  {
    commands: { traffic: 'Streaming anomaly pipeline: send simulated camera traffic' },
    load: async () => (await import('./commands/traffic')).registerTrafficCommands,
  },
  {
    commands: { labels: 'Rekognition Custom Labels assist: runs, the model (start/stop), manifests' },
    load: async () => (await import('./commands/labels')).registerLabelsCommands,
  },
  {
    commands: { trips: 'Trip outlier analysis of NYC TLC trip records: DuckDB locally, Athena at data-lake scale' },
    load: async () => (await import('./commands/trips')).registerTripsCommands,
  },
];

/** Exit codes of every command (also in the README). */
export const EXIT_CODES_HELP = `
Exit codes:
  0  done
  1  failed: bad usage or input, or an AWS or network error (the reason is on standard error)
  2  done, but some input was not used or needs attention (invalid lines, events not stored, tasks waiting too long)

Commands that call AWS take the Region, credentials and endpoint from:
  ${AWS_SETUP.region}
  ${AWS_SETUP.credentials}
  ${AWS_SETUP.endpoint}
Set MLW_DEBUG=1 to print stack traces with errors.
`;

/** The root command with the global options, help settings and exit codes, and no subcommands yet. */
function rootProgram(): Command {
  return addAwsOptions(
    new Command('mlw')
      .description('Operator CLI for ml-workflows: manifests, simulators and workflow APIs')
      .version(version, '-V, --version')
      .configureHelp(HELP_CONFIGURATION)
      .showHelpAfterError()
      .configureOutput({ writeErr: (s) => process.stderr.write(s) }),
  ).addHelpText('after', EXIT_CODES_HELP);
}

/**
 * The top-level command an argument list names (`mlw [global options] <command> …` or `mlw help <command>`), found
 * with the root program's own option definitions (which of them take a value).
 */
export function commandWord(root: Command, args: readonly string[]): string | undefined {
  const takesValue = new Set(
    root.options.filter((o) => o.required || o.optional).flatMap((o) => [o.long, o.short].filter(Boolean) as string[]),
  );
  let afterHelp = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return undefined;
    if (arg.startsWith('-')) {
      if (!arg.includes('=') && takesValue.has(arg)) i++;
      continue;
    }
    if (arg === 'help' && !afterHelp) {
      afterHelp = true;
      continue;
    }
    return arg;
  }
  return undefined;
}

/**
 * The `mlw` program for an argument list: the module of the command it names is loaded and registered in full; every
 * other command is a stub (name and summary) for the root `--help`. With `all`, every module is loaded (tests walk the
 * whole command tree).
 */
export async function buildProgram(args: readonly string[] = [], options: { all?: boolean } = {}): Promise<Command> {
  const program = rootProgram();
  const word = commandWord(program, args);
  for (const module of COMMAND_MODULES) {
    if (options.all || (word !== undefined && word in module.commands)) {
      (await module.load())(program);
    } else {
      for (const [name, summary] of Object.entries(module.commands)) {
        program
          .command(name)
          .description(summary)
          .allowUnknownOption()
          .allowExcessArguments()
          .action(() => {
            throw new Error(`internal: the module of command ${name} was not loaded for these arguments`);
          });
      }
    }
  }
  return program;
}

/**
 * Run the CLI: a failure prints through {@link formatError} (AWS failures explained by {@link explainAwsFailure}) to
 * standard error and exits 1.
 */
export async function main(args: readonly string[] = process.argv.slice(2)): Promise<void> {
  quietSdkNodeWarning();
  // `mlw … | head` closes the pipe early: stop quietly instead of failing with EPIPE.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  try {
    const program = await buildProgram(args);
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    const lines = formatError(explainAwsFailure(error), { stack: Boolean(process.env.MLW_DEBUG) });
    for (const line of lines) process.stderr.write(`${line}\n`);
    process.exitCode = 1;
  }
}
