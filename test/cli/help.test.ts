import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { type Command } from 'commander';
import { COMMAND_MODULES, buildProgram, commandWord } from '../../cli/program';
import { allCommands, runMlw, runMlwInProcess } from '../helpers/cli';

const cloudFormation = mockClient(CloudFormationClient);

/** What `mlw … --help` prints for a command (commander's help plus the text added after it). */
function helpOf(command: Command): string {
  let out = '';
  command.configureOutput({ writeOut: (s) => (out += s) });
  command.outputHelp();
  return out;
}

const path = (command: Command): string => {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
};

describe('mlw --help', () => {
  let commands: Command[];
  beforeAll(async () => {
    const program = await buildProgram([], { all: true });
    commands = allCommands(program).filter((c) => c.parent !== null && c.name() !== 'help');
  });
  beforeEach(() => {
    cloudFormation.reset();
    process.exitCode = undefined;
  });

  it('walks every command of every module', () => {
    expect(commands.map(path)).toEqual(
      expect.arrayContaining([
        'mlw example inspect',
        'mlw classify',
        'mlw feedback send',
        'mlw feedback upload-batch',
        'mlw feedback consolidate',
        'mlw review stats',
        'mlw review invite',
        'mlw review create',
        'mlw manifest stats',
        'mlw manifest import-labels',
        'mlw chain start',
        'mlw traffic simulate',
      ]),
    );
  });

  it('shows one example on every command', () => {
    const without = commands.filter((c) => !/\nExample:\n {2}\$ mlw /.test(helpOf(c))).map(path);
    expect(without).toEqual([]);
  });

  it('marks every required option as required', () => {
    const unmarked: string[] = [];
    for (const command of commands) {
      const lines = helpOf(command).split('\n');
      for (const option of command.options.filter((o) => o.mandatory)) {
        const first = lines.findIndex((l) => l.startsWith(`  ${option.flags}`));
        // The option's entry: its line and the wrapped lines under it (indented deeper than the next option).
        const end = lines.findIndex((l, i) => i > first && !/^ {4,}\S/.test(l));
        if (first < 0 || !lines.slice(first, end).join(' ').includes('(required)')) {
          unmarked.push(`${path(command)} ${option.flags}`);
        }
      }
    }
    expect(unmarked).toEqual([]);
    expect(commands.some((c) => c.options.some((o) => o.mandatory))).toBe(true);
  });

  it('names the deployed stack --stack-name everywhere; --stack is a hidden alias', () => {
    const readers = commands.filter((c) => c.options.some((o) => o.long === '--stack-name' && !o.hidden));
    expect(readers.map(path)).toEqual(
      expect.arrayContaining([
        'mlw classify',
        'mlw feedback send',
        'mlw review stats',
        'mlw chain start',
        'mlw traffic simulate',
      ]),
    );
    for (const command of readers) {
      expect(command.options.find((o) => o.long === '--stack')?.hidden).toBe(true);
      expect(helpOf(command)).not.toMatch(/--stack </);
    }
  });

  it('reads the stack named by --stack-name, by the --stack alias, and by the older `review --stack-name X stats`', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [] });
    const asked = () => cloudFormation.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input.StackName);
    await expect(
      runMlwInProcess('classify', 'x', '--classifier', 'c', '--api-key', 'k', '--stack-name', 'A'),
    ).rejects.toThrow('Stack A has no output ApiUrl');
    await expect(
      runMlwInProcess('classify', 'x', '--classifier', 'c', '--api-key', 'k', '--stack', 'B'),
    ).rejects.toThrow('Stack B has no output ApiUrl');
    await expect(runMlwInProcess('review', '--stack-name', 'C', 'stats')).rejects.toThrow(
      'Stack C has no output TaskTableName',
    );
    await expect(runMlwInProcess('review', 'stats', '--stack', 'D')).rejects.toThrow(
      'Stack D has no output TaskTableName',
    );
    await expect(runMlwInProcess('classify', 'x', '--classifier', 'c', '--api-key', 'k')).rejects.toThrow(
      'Stack Mlw-ActiveLearning has no output ApiUrl',
    );
    expect(asked()).toEqual(['A', 'B', 'C', 'D', 'Mlw-ActiveLearning']);
  });

  it('lists every command with its summary and the exit codes, from the built CLI', async () => {
    const run = await runMlw(['--help']);
    expect(run.status).toBe(0);
    for (const module of COMMAND_MODULES) {
      for (const [name, summary] of Object.entries(module.commands)) {
        expect(run.stdout.replace(/\s+/g, ' ')).toContain(`${name} ${summary}`);
      }
    }
    expect(run.stdout).toMatch(/Exit codes:\n {2}0 {2}done\n {2}1 {2}failed/);
    const sub = await runMlw(['review', 'create', '--help']);
    expect(sub.stdout).toContain('--stack-name <name>');
    expect(sub.stdout).toContain('Example:\n  $ mlw review create');
  });

  it('finds the command word after global options, their values and `help`', async () => {
    const root = await buildProgram([]);
    expect(commandWord(root, ['--region', 'eu-west-1', 'review', 'stats'])).toBe('review');
    expect(commandWord(root, ['--profile=dev', '--endpoint-url', 'http://x', 'traffic'])).toBe('traffic');
    expect(commandWord(root, ['help', 'manifest'])).toBe('manifest');
    expect(commandWord(root, ['--help'])).toBeUndefined();
    expect(commandWord(root, ['--', 'review'])).toBeUndefined();
  });
});
