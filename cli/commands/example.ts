import { type Command } from 'commander';
import { summarize } from '../../lambdas/example/core/summarize';
import { readJsonLineBatches } from '../../lambdas/shared/jsonl';
import { awsOptions } from '../aws';
import { example } from '../help';
import { createProgress } from '../progress';
import { openSource } from '../sources';

/** `mlw example inspect <source>`: the example workflow's summary, computed locally by the Lambda's own core. */
export function registerExampleCommands(program: Command): void {
  const group = program
    .command('example')
    .description('Example workflow: JSON-lines inspector')
    .addHelpText('after', example('mlw example inspect events.jsonl.gz'));
  group
    .command('inspect')
    .description('Summarize a JSON-lines file (local path or s3://bucket/key) as the Lambda does')
    .argument('<source>', 'local file or s3://bucket/key (.gz is decompressed)')
    .addHelpText('after', example('mlw example inspect s3://my-bucket/incoming/events.jsonl'))
    .action(async (source: string, _opts: unknown, command: Command) => {
      const opened = await openSource(source, awsOptions(command));
      const progress = createProgress('reading', opened.size ?? 0);
      try {
        const summary = await summarize(
          readJsonLineBatches(opened.body, {
            gunzip: opened.gzip,
            keepBlankLines: true,
            what: source,
            onBytes: (b) => progress.update(b),
          }),
        );
        progress.stop();
        process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        if (summary.invalid > 0) process.exitCode = 2;
      } finally {
        progress.stop();
      }
    });
}
