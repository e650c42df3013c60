import { createWriteStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { checkBatchFile, isMalformed } from '../../lambdas/active-learning/core/batch-file';
import { type Consolidation, consolidate, parseReviewOutput } from '../../lambdas/active-learning/core/consolidate';
import { trainingRow } from '../../lambdas/active-learning/core/csv';
import { openLocalFile } from '../../lambdas/shared/jsonl';
import {
  type AwsOptions,
  awsOptions,
  clientConfig,
  explainErrors,
  optionOrStackOutput,
  stackAliasOption,
  stackNameOption,
} from '../aws';
import { CliError } from '../errors';
import { example } from '../help';
import { postJson } from '../http';
import { openSource } from '../sources';

/** Default stack name (`<stackPrefix>-ActiveLearning` with the default prefix). */
const DEFAULT_STACK = 'Mlw-ActiveLearning';
/** Stack output names (see lib/stacks/active-learning-stack.ts). */
const OUTPUT = { API_URL: 'ApiUrl', API_KEY_ID: 'ApiKeyId', UPLOAD_BUCKET: 'UploadBucketName' } as const;

interface ApiOptions {
  readonly apiUrl?: string;
  readonly apiKey?: string;
  readonly stackName: string;
  readonly timeout: number;
}

/** The API's URL and key. The key is checked first: nothing is read from AWS when a local value is missing. */
async function apiTarget(options: ApiOptions, aws: AwsOptions): Promise<{ url: string; key: string }> {
  const key = options.apiKey ?? process.env.MLW_API_KEY;
  if (!key) {
    throw new CliError('Give --api-key or set MLW_API_KEY', [
      `The value of the API key whose id is the ${OUTPUT.API_KEY_ID} output of stack ${options.stackName}: aws apigateway get-api-key --include-value --api-key <id>`,
    ]);
  }
  const url = await optionOrStackOutput(aws, options.apiUrl, {
    stackName: options.stackName,
    outputKey: OUTPUT.API_URL,
    optionName: '--api-url',
  });
  return { url: url.replace(/\/+$/, ''), key };
}

/** POST a JSON body to the API and print the answer (a failure names the URL and the cause, or the status and body). */
async function post(target: { url: string; key: string }, path: string, body: unknown, timeout: number): Promise<void> {
  const answer = await postJson(`${target.url}/${path}`, body, {
    headers: { 'x-api-key': target.key },
    timeoutSeconds: timeout,
  });
  process.stdout.write(`${typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body, null, 2)}\n`);
}

function positiveSeconds(value: string): number {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError('--timeout must be a positive number of seconds');
  return n;
}

/** The training CSV of a set of consolidations (resolved items only), optionally for one classifier. */
export function trainingCsv(consolidations: readonly Consolidation[], classifier?: string): string {
  return consolidations
    .flatMap((c) => [...c.items].sort((a, b) => a.index - b.index))
    .filter((i) => i.status === 'resolved' && (classifier === undefined || i.classifier === classifier))
    .map((i) => trainingRow(i.labels, i.utterance))
    .join('');
}

/**
 * `mlw classify`, `mlw feedback send|upload-batch|consolidate`: the active-learning workflow from a terminal, reusing
 * the Lambdas' own core (validation of batch files, consolidation of reviews, CSV).
 */
export function registerActiveLearningCommands(program: Command): void {
  const apiOptions = (command: Command) =>
    command
      .option(
        '--api-url <url>',
        `API base URL, ending in the stage (default: the ${OUTPUT.API_URL} output of the stack)`,
      )
      .option('--api-key <key>', 'API key value (default: MLW_API_KEY)')
      .option('--timeout <seconds>', 'give up when the API has not answered by then', positiveSeconds, 30)
      .addOption(stackNameOption(DEFAULT_STACK, `the ${OUTPUT.API_URL} output`))
      .addOption(stackAliasOption());

  apiOptions(
    program
      .command('classify')
      .description('Classify a sentence with the active-learning API (POST /classify)')
      .argument('<sentence>', 'text to classify')
      .requiredOption('--classifier <name>', 'classifier name'),
  )
    .addHelpText(
      'after',
      example('mlw classify "I was charged twice" --classifier intents   # the API key from MLW_API_KEY'),
    )
    .action(async (sentence: string, options: ApiOptions & { classifier: string }, command: Command) => {
      const target = await apiTarget(options, awsOptions(command));
      await post(target, 'classify', { classifier: options.classifier, sentence }, options.timeout);
    });

  const feedback = program
    .command('feedback')
    .description('Active-learning feedback: send, upload a batch, consolidate reviews')
    .addHelpText('after', example('mlw feedback consolidate output.json --out train.csv'));

  apiOptions(
    feedback
      .command('send')
      .description('Send explicit feedback for a sentence (POST /feedback)')
      .argument('<sentence>', 'the sentence')
      .requiredOption('--classifier <name>', 'classifier name')
      .option('--expected-label <label>', 'the label the sentence should have (A|B for multi-label)')
      .option('--prediction <label>', 'what the model predicted')
      .option('--request-id <id>', 'request id of the classification'),
  )
    .addHelpText(
      'after',
      example('mlw feedback send "I was charged twice" --classifier intents --expected-label BILLING'),
    )
    .action(
      async (
        sentence: string,
        options: ApiOptions & { classifier: string; expectedLabel?: string; prediction?: string; requestId?: string },
        command: Command,
      ) => {
        const target = await apiTarget(options, awsOptions(command));
        const body = {
          classifier: options.classifier,
          sentence,
          ...(options.expectedLabel ? { expectedLabel: options.expectedLabel } : {}),
          ...(options.prediction ? { prediction: options.prediction } : {}),
          ...(options.requestId ? { requestId: options.requestId } : {}),
        };
        await post(target, 'feedback', body, options.timeout);
      },
    );

  feedback
    .command('upload-batch')
    .description('Check a batch-feedback file ({"classifier", "sentences": [...]}) as the Lambda does, then upload it')
    .argument('<file>', 'local JSON file')
    .option('--bucket <name>', `upload bucket (default: the ${OUTPUT.UPLOAD_BUCKET} output of the stack)`)
    .option('--key <key>', 'object key, ending in .json (default: uploads/<file name>.json)')
    .option('--force', 'upload even when some sentences are rejected')
    .addOption(stackNameOption(DEFAULT_STACK, `the ${OUTPUT.UPLOAD_BUCKET} output`))
    .addOption(stackAliasOption())
    .addHelpText('after', example('mlw feedback upload-batch complaints.json --region eu-west-1'))
    .action(
      async (
        file: string,
        options: { bucket?: string; key?: string; stackName: string; force?: boolean },
        command: Command,
      ) => {
        const aws = awsOptions(command);
        const key = options.key ?? `uploads/${basename(file).replace(/\.json$/i, '')}.json`;
        if (!key.endsWith('.json'))
          throw new CliError(`--key must end in .json (only *.json uploads are processed): ${key}`);
        const check = await checkBatchFile(openLocalFile(file));
        if (isMalformed(check)) throw new CliError(`${file} would be rejected`, check.fileProblems);
        if (check.rejectedCount > 0 && !options.force) {
          throw new CliError(
            `${check.rejectedCount} of ${check.sentences} sentences in ${file} would be rejected: fix the file or give --force to upload the valid sentences only`,
            check.rejected.map((r) => r.reason),
          );
        }
        if (check.rejectedCount > 0) {
          process.stderr.write(
            `mlw: uploading ${file} without ${check.rejectedCount} rejected sentence(s) (--force)\n`,
          );
        }
        const bucket = await optionOrStackOutput(aws, options.bucket, {
          stackName: options.stackName,
          outputKey: OUTPUT.UPLOAD_BUCKET,
          optionName: '--bucket',
        });
        const { PutObjectCommand, S3Client } = await import('@aws-sdk/client-s3');
        const s3 = explainErrors(
          new S3Client({
            ...clientConfig(aws),
            forcePathStyle: aws.endpointUrl !== undefined,
            requestChecksumCalculation: 'WHEN_REQUIRED',
          }),
          aws,
        );
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: openLocalFile(file),
            ContentLength: statSync(file).size,
            ContentType: 'application/json',
          }),
        );
        process.stdout.write(
          `${JSON.stringify({ uploaded: `s3://${bucket}/${key}`, classifier: check.classifier, sentences: check.valid, errorReport: `s3://${bucket}/errors/${key}.errors.jsonl` }, null, 2)}\n`,
        );
      },
    );

  feedback
    .command('consolidate')
    .description('Write Comprehend training CSV from A2I (or review portal) output.json files, as the Lambda does')
    .argument('<output...>', 'output.json files (local paths or s3://bucket/key)')
    .option('--out <file>', 'write the CSV here (default: standard output)')
    .option('--classifier <name>', 'only the items of this classifier')
    .addHelpText(
      'after',
      example('mlw feedback consolidate reviews/*/output.json --classifier intents --out train.csv'),
    )
    .action(async (outputs: string[], options: { out?: string; classifier?: string }, command: Command) => {
      const aws = awsOptions(command);
      const consolidations: Consolidation[] = [];
      for (const source of outputs) {
        const opened = await openSource(source, aws);
        const chunks: Buffer[] = [];
        for await (const chunk of opened.body as AsyncIterable<Buffer>) chunks.push(chunk);
        let value: unknown;
        try {
          value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch (error) {
          throw new CliError(`${source} is not valid JSON`, [], { cause: error });
        }
        try {
          consolidations.push(consolidate(parseReviewOutput(value)));
        } catch (error) {
          throw new CliError(`${source}: ${error instanceof Error ? error.message : String(error)}`, [], {
            cause: error,
          });
        }
      }
      const csv = trainingCsv(consolidations, options.classifier);
      const items = consolidations.flatMap((c) => c.items);
      const summary = {
        reviews: consolidations.length,
        items: items.length,
        rows: csv === '' ? 0 : csv.split('\n').length - 1,
        noMajority: items.filter((i) => i.status === 'no-majority').length,
        unanswered: items.filter((i) => i.status === 'unanswered').length,
      };
      if (options.out) {
        await new Promise<void>((resolve, reject) => {
          const out = createWriteStream(options.out!);
          out.on('error', reject);
          out.end(csv, () => resolve());
        });
      } else {
        process.stdout.write(csv);
      }
      process.stderr.write(`${JSON.stringify(summary)}\n`);
    });
}
