import { createWriteStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type Command } from 'commander';
import { checkBatchFile, isMalformed } from '../../lambdas/active-learning/core/batch-file';
import { type Consolidation, consolidate, parseReviewOutput } from '../../lambdas/active-learning/core/consolidate';
import { trainingRow } from '../../lambdas/active-learning/core/csv';
import { openLocalFile } from '../../lambdas/shared/jsonl';
import { type AwsOptions, awsOptions, clientConfig, optionOrStackOutput } from '../aws';
import { openSource } from '../sources';

/** Default stack name (`<stackPrefix>-ActiveLearning` with the default prefix). */
const DEFAULT_STACK = 'Mlw-ActiveLearning';
/** Stack output names (see lib/stacks/active-learning-stack.ts). */
const OUTPUT = { API_URL: 'ApiUrl', API_KEY_ID: 'ApiKeyId', UPLOAD_BUCKET: 'UploadBucketName' } as const;

interface ApiOptions {
  readonly apiUrl?: string;
  readonly apiKey?: string;
  readonly stack: string;
}

async function apiTarget(options: ApiOptions, aws: AwsOptions): Promise<{ url: string; key: string }> {
  const url = await optionOrStackOutput(aws, options.apiUrl, {
    stackName: options.stack,
    outputKey: OUTPUT.API_URL,
    optionName: '--api-url',
  });
  const key = options.apiKey ?? process.env.MLW_API_KEY;
  if (!key) {
    throw new Error(
      `Give --api-key or set MLW_API_KEY (the value of the key whose id is the ${OUTPUT.API_KEY_ID} output of ${options.stack}: aws apigateway get-api-key --include-value --api-key <id>)`,
    );
  }
  return { url: url.replace(/\/+$/, ''), key };
}

/** POST a JSON body to the API; print the answer; a non-2xx answer sets exit code 1. */
async function post(target: { url: string; key: string }, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${target.url}/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'x-api-key': target.key },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let shown = text;
  try {
    shown = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // not JSON: print as is
  }
  process.stdout.write(`${shown}\n`);
  if (!response.ok) {
    process.stderr.write(`mlw: ${path} answered HTTP ${response.status}\n`);
    process.exitCode = 1;
  }
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
      .option('--api-url <url>', 'API base URL (default: the ApiUrl output of the stack)')
      .option('--api-key <key>', 'API key value (default: $MLW_API_KEY)')
      .option('--stack <name>', 'active-learning stack name', DEFAULT_STACK);

  apiOptions(
    program
      .command('classify')
      .description('Classify a sentence with the active-learning API (POST /classify)')
      .argument('<sentence>', 'text to classify')
      .requiredOption('--classifier <name>', 'classifier name'),
  ).action(async (sentence: string, options: ApiOptions & { classifier: string }, command: Command) => {
    await post(await apiTarget(options, awsOptions(command)), 'classify', { classifier: options.classifier, sentence });
  });

  const feedback = program
    .command('feedback')
    .description('Active-learning feedback: send, upload a batch, consolidate reviews');

  apiOptions(
    feedback
      .command('send')
      .description('Send explicit feedback for a sentence (POST /feedback)')
      .argument('<sentence>', 'the sentence')
      .requiredOption('--classifier <name>', 'classifier name')
      .option('--expected-label <label>', 'the label the sentence should have (A|B for multi-label)')
      .option('--prediction <label>', 'what the model predicted')
      .option('--request-id <id>', 'request id of the classification'),
  ).action(
    async (
      sentence: string,
      options: ApiOptions & { classifier: string; expectedLabel?: string; prediction?: string; requestId?: string },
      command: Command,
    ) => {
      await post(await apiTarget(options, awsOptions(command)), 'feedback', {
        classifier: options.classifier,
        sentence,
        ...(options.expectedLabel ? { expectedLabel: options.expectedLabel } : {}),
        ...(options.prediction ? { prediction: options.prediction } : {}),
        ...(options.requestId ? { requestId: options.requestId } : {}),
      });
    },
  );

  feedback
    .command('upload-batch')
    .description('Check a batch-feedback file ({"classifier", "sentences": [...]}) as the Lambda does, then upload it')
    .argument('<file>', 'local JSON file')
    .option('--bucket <name>', 'upload bucket (default: the UploadBucketName output of the stack)')
    .option('--key <key>', 'object key (must end in .json)', undefined)
    .option('--stack <name>', 'active-learning stack name', DEFAULT_STACK)
    .option('--force', 'upload even when some sentences are rejected')
    .action(
      async (
        file: string,
        options: { bucket?: string; key?: string; stack: string; force?: boolean },
        command: Command,
      ) => {
        const aws = awsOptions(command);
        const key = options.key ?? `uploads/${basename(file).replace(/\.json$/i, '')}.json`;
        if (!key.endsWith('.json'))
          throw new Error(`--key must end in .json (only *.json uploads are processed): ${key}`);
        const check = await checkBatchFile(openLocalFile(file));
        if (isMalformed(check)) throw new Error(`${file} would be rejected: ${check.fileProblems.join('; ')}`);
        if (check.rejectedCount > 0) {
          process.stderr.write(
            `${check.rejectedCount} of ${check.sentences} sentences would be rejected, e.g. ${check.rejected
              .slice(0, 3)
              .map((r) => r.reason)
              .join('; ')}\n`,
          );
          if (!options.force) throw new Error('Fix the file or give --force to upload the valid sentences only');
        }
        const bucket = await optionOrStackOutput(aws, options.bucket, {
          stackName: options.stack,
          outputKey: OUTPUT.UPLOAD_BUCKET,
          optionName: '--bucket',
        });
        const s3 = new S3Client({
          ...clientConfig(aws),
          forcePathStyle: aws.endpointUrl !== undefined,
          requestChecksumCalculation: 'WHEN_REQUIRED',
        });
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
        } catch {
          throw new Error(`${source} is not valid JSON`);
        }
        consolidations.push(consolidate(parseReviewOutput(value)));
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
