import { type Command } from 'commander';
import { type AssistRequest, CLA_OUTPUTS, DEFAULT_MIN_CONFIDENCE } from '../../lambdas/custom-labels-assist/contract';
import { type ManifestReport, scanCustomLabelsManifest } from '../../lambdas/custom-labels-assist/core/manifest-rules';
import {
  type ModelVersion,
  latestUsableVersion,
  parseModelVersionArn,
} from '../../lambdas/custom-labels-assist/core/model-versions';
import { readJsonLineBatches } from '../../lambdas/shared/jsonl';
import { TextEncodingError } from '../../lambdas/shared/text';
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
import { openSource } from '../sources';

/** Default name of the deployed stack (`<stackPrefix>-CustomLabelsAssist`). */
export const DEFAULT_LABELS_STACK = 'Mlw-CustomLabelsAssist';

/** Exit codes of `mlw labels manifest validate|stats` (also in their `--help`). */
export const MANIFEST_EXIT = {
  /** Every line follows the Custom Labels manifest rules. */
  VALID: 0,
  /** Bad options. */
  USAGE: 1,
  /** The file cannot be read (missing, or UTF-16). */
  UNREADABLE: 2,
  /** Some lines break a rule (each problem printed with its line number). */
  INVALID: 3,
} as const;

const MANIFEST_HELP = `
Checks every rule of the Rekognition Custom Labels manifest format (Ground Truth output format): one JSON object per
line, source-ref, label attributes and their -metadata (type, human-annotated, creation-date, job-name), image_size,
boxes inside the image and at least 1 x 1 pixel, at most 50 boxes per image, every class_id in the class-map, one
confidence (0-1) per box, image-level class-name, at most 250 labels. A local file loads no AWS SDK client.

Exit codes:
  ${MANIFEST_EXIT.VALID}  valid
  ${MANIFEST_EXIT.USAGE}  bad options
  ${MANIFEST_EXIT.UNREADABLE}  unreadable (the file is missing, or UTF-16)
  ${MANIFEST_EXIT.INVALID}  invalid: one problem per line on standard output, "FILE:LINE: CODE message"
`;

/** Scan a manifest (local path or `s3://…`) with the validator's core. */
async function scanManifest(source: string, aws: AwsOptions): Promise<ManifestReport> {
  const opened = await openSource(source, aws);
  return scanCustomLabelsManifest(readJsonLineBatches(opened.body, { gunzip: opened.gzip, what: source }));
}

/** The report, or the exit code when the source cannot be read (the reason on standard error). */
async function scanOrExit(source: string, aws: AwsOptions): Promise<ManifestReport | undefined> {
  try {
    return await scanManifest(source, aws);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (error instanceof TextEncodingError || code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') {
      process.stderr.write(`mlw: cannot read ${source}: ${(error as Error).message}\n`);
      process.exitCode = MANIFEST_EXIT.UNREADABLE;
      return undefined;
    }
    throw error;
  }
}

function statsText(source: string, report: ManifestReport): string {
  const { stats } = report;
  const labels = Object.entries(stats.labels).sort((a, b) => b[1].boxes - a[1].boxes || b[1].images - a[1].images);
  const rows: [string, number][] = [
    ['lines', stats.lines],
    ['images', stats.images],
    ['labeled images', stats.labeledImages],
    ['images without boxes', stats.imagesWithoutBoxes],
    ['boxes', stats.boxes],
    ['most boxes on an image', stats.maxBoxesPerImage],
    ['labels by people', stats.humanAnnotated],
    ['labels by machine', stats.machineAnnotated],
    ['invalid lines', report.invalidLines],
  ];
  return [
    source,
    ...rows.map(([name, value]) => `  ${name.padEnd(24)} ${String(value).padStart(10)}`),
    `labels (${labels.length}):`,
    ...labels.map(
      ([name, c]) => `  ${String(c.images).padStart(8)} image(s) ${String(c.boxes).padStart(8)} box(es)  ${name}`,
    ),
    `label attributes: ${Object.keys(stats.attributes).join(', ') || '(none)'}`,
  ].join('\n');
}

/** The project's model versions (`DescribeProjectVersions`, every page). */
async function modelVersions(aws: AwsOptions, projectArn: string): Promise<ModelVersion[]> {
  const { RekognitionClient, paginateDescribeProjectVersions } = await import('@aws-sdk/client-rekognition');
  const client = explainErrors(new RekognitionClient(clientConfig(aws)), aws);
  const out: ModelVersion[] = [];
  for await (const page of paginateDescribeProjectVersions({ client }, { ProjectArn: projectArn })) {
    out.push(...(page.ProjectVersionDescriptions ?? []));
  }
  return out;
}

/** The labels of the project's training dataset (`DescribeProjects` → `ListDatasetLabels`), for relabel and draw. */
async function datasetLabels(aws: AwsOptions, projectArn: string): Promise<string[]> {
  const { RekognitionClient, DescribeProjectsCommand, paginateListDatasetLabels } =
    await import('@aws-sdk/client-rekognition');
  const client = explainErrors(new RekognitionClient(clientConfig(aws)), aws);
  const name = /:project\/([^/]+)\//.exec(projectArn)?.[1];
  const answer = await client.send(new DescribeProjectsCommand({ ProjectNames: name ? [name] : undefined }));
  const project = answer.ProjectDescriptions?.find((p) => p.ProjectArn === projectArn);
  const train = project?.Datasets?.find((d) => d.DatasetType === 'TRAIN')?.DatasetArn;
  if (!train) return [];
  const labels: string[] = [];
  for await (const page of paginateListDatasetLabels({ client }, { DatasetArn: train })) {
    for (const label of page.DatasetLabelDescriptions ?? []) if (label.LabelName) labels.push(label.LabelName);
  }
  return labels;
}

interface StackOptions {
  stackName: string;
  projectArn?: string;
  stateMachineArn?: string;
}

const projectArnOf = (aws: AwsOptions, opts: StackOptions) =>
  optionOrStackOutput(aws, opts.projectArn, {
    stackName: opts.stackName,
    outputKey: CLA_OUTPUTS.PROJECT_ARN,
    optionName: '--project-arn',
  });

function withStack(command: Command, reads: string): Command {
  return command
    .option('--project-arn <arn>', `Custom Labels project (default: output ${CLA_OUTPUTS.PROJECT_ARN} of --stack-name)`)
    .addOption(stackNameOption(DEFAULT_LABELS_STACK, reads))
    .addOption(stackAliasOption());
}

function parseLabels(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const labels = value
    .split(',')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (labels.length === 0) throw new CliError('--labels needs at least one label name');
  return labels;
}

/** `mlw labels`: the Rekognition Custom Labels assist workflow, its model and its manifests. */
export function registerLabelsCommands(program: Command): void {
  const labels = program
    .command('labels')
    .description('Rekognition Custom Labels assist: runs, the model, manifests')
    .addHelpText('after', example('mlw labels manifest validate train.manifest'));

  const manifest = labels
    .command('manifest')
    .description('Custom Labels manifests (local or s3://)')
    .addHelpText('after', example('mlw labels manifest stats s3://my-images/runs/abc/manifest/output.manifest'));
  manifest
    .command('validate')
    .description('Check every rule of the Custom Labels manifest format, one problem per line with its line number')
    .argument('<file>', 'manifest: local file or s3://bucket/key (.gz is decompressed, a UTF-8 BOM is skipped)')
    .option('--json', 'print one JSON object: {valid, lines, invalidLines, problemCount, problems, stats}')
    .addHelpText('after', `${MANIFEST_HELP}${example('mlw labels manifest validate output.manifest --json')}`)
    .action(async (file: string, opts: { json?: boolean }, command: Command) => {
      const report = await scanOrExit(file, awsOptions(command));
      if (!report) return;
      const valid = report.problemCount === 0;
      if (opts.json) {
        const { stats, problems, problemCount, invalidLines } = report;
        process.stdout.write(
          `${JSON.stringify({ valid, lines: stats.lines, invalidLines, problemCount, problems, stats })}\n`,
        );
      } else {
        for (const p of report.problems) process.stdout.write(`${file}:${p.line}: ${p.code} ${p.message}\n`);
        const more = report.problemCount - report.problems.length;
        if (more > 0) process.stdout.write(`… and ${more} more problem(s)\n`);
        process.stderr.write(
          valid
            ? `mlw: ${file}: ${report.stats.lines} line(s), valid\n`
            : `mlw: ${file}: ${report.problemCount} problem(s) on ${report.invalidLines} of ${report.stats.lines} line(s)\n`,
        );
      }
      process.exitCode = valid ? MANIFEST_EXIT.VALID : MANIFEST_EXIT.INVALID;
    });

  manifest
    .command('stats')
    .description('Count images, boxes and labels of a Custom Labels manifest (flat memory for any size)')
    .argument('<file>', 'manifest: local file or s3://bucket/key')
    .option('--json', 'print the statistics as one JSON object')
    .addHelpText('after', `${MANIFEST_HELP}${example('mlw labels manifest stats output.manifest')}`)
    .action(async (file: string, opts: { json?: boolean }, command: Command) => {
      const report = await scanOrExit(file, awsOptions(command));
      if (!report) return;
      process.stdout.write(
        `${opts.json ? JSON.stringify({ ...report.stats, invalidLines: report.invalidLines }) : statsText(file, report)}\n`,
      );
      if (report.problemCount > 0) {
        process.stderr.write(
          `mlw: ${report.invalidLines} line(s) break a rule: mlw labels manifest validate ${file} lists them\n`,
        );
        process.exitCode = MANIFEST_EXIT.INVALID;
      }
    });

  const model = labels
    .command('model')
    .description('The Custom Labels model: start, stop, status (billed while running)')
    .addHelpText('after', example('mlw labels model status'));
  withStack(
    model.command('status').description("List the project's model versions: status, inference units, F1 score"),
    `the ${CLA_OUTPUTS.PROJECT_ARN} output`,
  )
    .option('--json', 'print the versions as JSON')
    .addHelpText('after', example('mlw labels model status --stack-name Mlw-CustomLabelsAssist'))
    .action(async (opts: StackOptions & { json?: boolean }, command: Command) => {
      const aws = awsOptions(command);
      const versions = await modelVersions(aws, await projectArnOf(aws, opts));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(versions)}\n`);
        return;
      }
      for (const v of versions) {
        const f1 = v.EvaluationResult?.F1Score;
        process.stdout.write(
          `${(v.Status ?? '?').padEnd(22)} units ${String(v.MinInferenceUnits ?? '-').padStart(2)}  F1 ${f1 === undefined ? '  -  ' : f1.toFixed(3)}  ${v.ProjectVersionArn ?? ''}\n`,
        );
      }
      const running = versions.filter((v) => v.Status === 'RUNNING' || v.Status === 'STARTING');
      if (running.length > 0) {
        process.stderr.write(
          `mlw: ${running.length} version(s) running and billed per inference-unit hour: mlw labels model stop --model-version ARN\n`,
        );
      }
    });
  model
    .command('start')
    .description('Start a model version (StartProjectVersion); the idle check stops it after maxIdleMinutes unused')
    .requiredOption('--model-version <arn>', 'the model version ARN')
    .option('--min-inference-units <n>', 'inference units (each is billed per hour)', '1')
    .addHelpText(
      'after',
      example('mlw labels model start --model-version arn:aws:rekognition:…:project/p/version/v1/1700000000000'),
    )
    .action(async (opts: { modelVersion: string; minInferenceUnits: string }, command: Command) => {
      const units = Number(opts.minInferenceUnits);
      if (!Number.isInteger(units) || units < 1) throw new CliError('--min-inference-units must be a whole number ≥ 1');
      const aws = awsOptions(command);
      const { RekognitionClient, StartProjectVersionCommand } = await import('@aws-sdk/client-rekognition');
      const client = explainErrors(new RekognitionClient(clientConfig(aws)), aws);
      const answer = await client.send(
        new StartProjectVersionCommand({ ProjectVersionArn: opts.modelVersion, MinInferenceUnits: units }),
      );
      process.stdout.write(`${answer.Status ?? 'STARTING'} ${opts.modelVersion}\n`);
    });
  model
    .command('stop')
    .description('Stop a model version (StopProjectVersion): billing ends when it is STOPPED')
    .requiredOption('--model-version <arn>', 'the model version ARN')
    .addHelpText(
      'after',
      example('mlw labels model stop --model-version arn:aws:rekognition:…:project/p/version/v1/1700000000000'),
    )
    .action(async (opts: { modelVersion: string }, command: Command) => {
      const aws = awsOptions(command);
      const { RekognitionClient, StopProjectVersionCommand } = await import('@aws-sdk/client-rekognition');
      const client = explainErrors(new RekognitionClient(clientConfig(aws)), aws);
      const answer = await client.send(new StopProjectVersionCommand({ ProjectVersionArn: opts.modelVersion }));
      process.stdout.write(`${answer.Status ?? 'STOPPING'} ${opts.modelVersion}\n`);
    });

  const assist = labels
    .command('assist')
    .description('Model-assisted annotation runs (the state machine)')
    .addHelpText('after', example('mlw labels assist start --images s3://my-images/batch-7/'));
  withStack(
    assist
      .command('start')
      .description(
        'Propose boxes on a folder of images, send them to reviewers, add the verified images to the training dataset',
      )
      .requiredOption('--images <s3-prefix>', 's3://<images bucket>/<prefix>/: the images (jpg/png, ≤ 15 MB)')
      .option('--model-version <arn>', 'model version that proposes boxes (default: the newest trained version)')
      .option(
        '--min-confidence <n>',
        `DetectCustomLabels MinConfidence, 0-100 (default: the deployed one, ${DEFAULT_MIN_CONFIDENCE})`,
      )
      .option('--labels <list>', "labels reviewers may give boxes (default: the training dataset's labels)")
      .option('--train', 'train a new model version on the updated dataset and compare its F1 score')
      .option(
        '--state-machine-arn <arn>',
        `state machine (default: output ${CLA_OUTPUTS.STATE_MACHINE_ARN} of --stack-name)`,
      )
      .option('--dry-run', 'print the execution input without starting anything'),
    'its outputs',
  )
    .addHelpText('after', example('mlw labels assist start --images s3://my-images/batch-7/ --train'))
    .action(
      async (
        opts: StackOptions & {
          images: string;
          modelVersion?: string;
          minConfidence?: string;
          labels?: string;
          train?: boolean;
          dryRun?: boolean;
        },
        command: Command,
      ) => {
        if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/(.*\/)?$/.test(opts.images)) {
          throw new CliError(`--images must be an S3 folder such as s3://bucket/prefix/ (got ${opts.images})`);
        }
        const minConfidence = opts.minConfidence === undefined ? undefined : Number(opts.minConfidence);
        if (minConfidence !== undefined && !(minConfidence >= 0 && minConfidence <= 100)) {
          throw new CliError('--min-confidence must be a number from 0 to 100');
        }
        if (opts.modelVersion !== undefined && !parseModelVersionArn(opts.modelVersion)) {
          throw new CliError(`--model-version is not a Custom Labels model version ARN: ${opts.modelVersion}`);
        }
        const aws = awsOptions(command);
        const projectArn = opts.modelVersion && opts.labels ? undefined : await projectArnOf(aws, opts);
        let modelVersionArn = opts.modelVersion;
        if (!modelVersionArn) {
          const latest = latestUsableVersion(await modelVersions(aws, projectArn!));
          if (!latest?.ProjectVersionArn) {
            throw new CliError(`Project ${projectArn} has no trained model version`, [
              'Train one first (console or CreateProjectVersion), or give --model-version',
            ]);
          }
          modelVersionArn = latest.ProjectVersionArn;
        }
        const labelList = parseLabels(opts.labels) ?? (await datasetLabels(aws, projectArn!));
        const input: AssistRequest & { labels: string[] } = {
          images: opts.images,
          modelVersionArn,
          labels: labelList,
          ...(minConfidence !== undefined ? { minConfidence } : {}),
          ...(opts.train ? { train: true } : {}),
        };
        if (opts.dryRun) {
          process.stdout.write(`${JSON.stringify(input, null, 2)}\n`);
          return;
        }
        const stateMachineArn = await optionOrStackOutput(aws, opts.stateMachineArn, {
          stackName: opts.stackName,
          outputKey: CLA_OUTPUTS.STATE_MACHINE_ARN,
          optionName: '--state-machine-arn',
        });
        const { SFNClient, StartExecutionCommand } = await import('@aws-sdk/client-sfn');
        const client = explainErrors(new SFNClient(clientConfig(aws)), aws);
        const stamp = new Date()
          .toISOString()
          .replace(/[-:]/g, '')
          .replace(/\.\d+Z$/, 'Z');
        const answer = await client.send(
          new StartExecutionCommand({ stateMachineArn, name: `assist-${stamp}`, input: JSON.stringify(input) }),
        );
        process.stdout.write(`${JSON.stringify({ executionArn: answer.executionArn, input }, null, 2)}\n`);
      },
    );
  assist
    .command('status')
    .description('Show a run: status, and its summary when it ended (F1 comparison, needs-labeling list)')
    .argument('<execution-arn>', 'the executionArn that mlw labels assist start printed')
    .addHelpText(
      'after',
      example(
        'mlw labels assist status arn:aws:states:eu-west-1:123456789012:execution:Assist:assist-20261130T101500Z',
      ),
    )
    .action(async (executionArn: string, _opts: unknown, command: Command) => {
      const aws = awsOptions(command);
      const { SFNClient, DescribeExecutionCommand } = await import('@aws-sdk/client-sfn');
      const client = explainErrors(new SFNClient(clientConfig(aws)), aws);
      const answer = await client.send(new DescribeExecutionCommand({ executionArn }));
      const output = answer.output ? (JSON.parse(answer.output) as unknown) : undefined;
      process.stdout.write(
        `${JSON.stringify({ status: answer.status, startDate: answer.startDate, stopDate: answer.stopDate, error: answer.error, cause: answer.cause, summary: output }, null, 2)}\n`,
      );
      if (answer.status === 'FAILED' || answer.status === 'TIMED_OUT' || answer.status === 'ABORTED')
        process.exitCode = 2;
    });
}
