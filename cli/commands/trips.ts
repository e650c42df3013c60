import {
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  type Engine,
  type OutlierBounds,
  type Step,
  BOUND_LIMITS,
  DEFAULT_BOUNDS,
  DEFAULT_TIME_ZONE,
  DIALECTS,
  ENGINES,
  LATEST,
  MAX_SINGLE_PUT_BYTES,
  MONTH_PATTERN,
  OUTLIER_REASONS,
  STEPS,
  TLC_BASE_URL,
  TRIP_OUTLIERS_OUTPUTS,
  athenaRawTableDdl,
  athenaRunPlan,
  duckdbPlan,
  duckdbRawView,
  stepSelects,
  tripFileName,
} from '../../lambdas/trip-outliers/contract';
import { type TripReport, type TripSummary } from '../../lambdas/trip-outliers/core/report';
import {
  type SchemaReport,
  checkSchema,
  describeSchemaProblems,
  presentRawColumns,
} from '../../lambdas/trip-outliers/core/schema-check';
import {
  awsOptions,
  clientConfig,
  explainErrors,
  optionOrStackOutput,
  stackAliasOption,
  stackNameOption,
} from '../aws';
import { example } from '../help';
import { createProgress } from '../progress';

/**
 * `mlw trips`: the trip-outlier analysis. Local commands run embedded DuckDB and load no AWS SDK client (they are
 * imported only by the commands and sources that call AWS); `--engine athena` runs the deployed state machine.
 */

/** Default name of the deployed stack (`<stackPrefix>-TripOutliers`). */
export const DEFAULT_TRIPS_STACK = 'Mlw-TripOutliers';

/** Options shared by the commands that analyze. */
interface AnalysisOptions {
  engine: Engine;
  maxDurationSeconds?: number;
  maxSpeedMph?: number;
  timeZone: string;
  month?: string;
  stackName: string;
  stateMachineArn?: string;
  pollSeconds: number;
}

const boundParser = (name: keyof OutlierBounds) => (value: string) => {
  const number = Number(value);
  const { min, max } = BOUND_LIMITS[name];
  if (!Number.isFinite(number) || number < min || number > max) {
    throw new InvalidArgumentError(`expected a number from ${min} to ${max}`);
  }
  return number;
};

const monthParser = (value: string) => {
  if (!MONTH_PATTERN.test(value)) throw new InvalidArgumentError('expected YYYY-MM');
  return value;
};

function addAnalysisOptions(command: Command, { month = true } = {}): Command {
  command
    .addOption(
      new Option('--engine <engine>', 'duckdb (embedded, local) or athena (the deployed stack)')
        .choices(ENGINES)
        .default('duckdb'),
    )
    .option('--max-duration-seconds <s>', 'duration rule bound (default 86400)', boundParser('maxDurationSeconds'))
    .option('--max-speed-mph <mph>', 'speed rule bound (default 100)', boundParser('maxSpeedMph'))
    .option('--time-zone <zone>', 'IANA zone of the local timestamps', DEFAULT_TIME_ZONE);
  if (month)
    command.option('--month <YYYY-MM>', 'athena: the month to analyze (default: from the file name)', monthParser);
  return command
    .addOption(stackNameOption(DEFAULT_TRIPS_STACK, `athena: the ${TRIP_OUTLIERS_OUTPUTS.STATE_MACHINE_ARN} output`))
    .addOption(stackAliasOption())
    .option('--state-machine-arn <arn>', 'athena: state machine (default: output StateMachineArn of --stack-name)')
    .option('--poll-seconds <s>', 'athena: seconds between status checks', (v) => Number(v), 5);
}

function bounds(options: AnalysisOptions): OutlierBounds {
  return {
    maxDurationSeconds: options.maxDurationSeconds ?? DEFAULT_BOUNDS.maxDurationSeconds,
    maxSpeedMph: options.maxSpeedMph ?? DEFAULT_BOUNDS.maxSpeedMph,
  };
}

/** Local copies of the sources (an `s3://` source is downloaded first); `cleanup` removes the downloads. */
async function localFiles(sources: string[], command: Command): Promise<{ files: string[]; cleanup(): void }> {
  const remote = sources.filter((s) => s.startsWith('s3://'));
  if (remote.length === 0) return { files: sources.map((s) => resolve(s)), cleanup: () => undefined };
  const { openSource } = await import('../sources');
  const dir = mkdtempSync(join(tmpdir(), 'mlw-trips-'));
  const files: string[] = [];
  for (const source of sources) {
    if (!source.startsWith('s3://')) {
      files.push(resolve(source));
      continue;
    }
    const opened = await openSource(source, awsOptions(command));
    const target = join(dir, `${files.length}-${basename(source)}`);
    const progress = createProgress(`downloading ${basename(source)}`, opened.size ?? 0);
    let bytes = 0;
    await pipeline(
      opened.body,
      countBytes((n) => progress.update((bytes += n))),
      createWriteStream(target),
    );
    progress.stop();
    files.push(target);
  }
  return { files, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function countBytes(onBytes: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      onBytes(chunk.length);
      callback(null, chunk);
    },
  });
}

/** Run the analysis in embedded DuckDB with a progress bar on a terminal. */
export async function analyzeWithDuckDb(
  sources: string[],
  options: AnalysisOptions & { outDir?: string },
  command: Command,
): Promise<TripReport> {
  const { analyzeLocally } = await import('../../lambdas/trip-outliers/adapters/duckdb');
  const local = await localFiles(sources, command);
  const progress = createProgress('analyzing', (STEPS.length + (options.outDir ? 1 : 0)) * 100);
  try {
    if (options.outDir) mkdirSync(options.outDir, { recursive: true });
    const { report } = await analyzeLocally({
      files: local.files,
      source: sources.join(', '),
      bounds: bounds(options),
      timeZone: options.timeZone,
      ...(options.outDir ? { exportDir: resolve(options.outDir) } : {}),
      onProgress: (p) => progress.update(Math.round((p.index + p.fraction) * 100)),
    });
    return report;
  } finally {
    progress.stop();
    local.cleanup();
  }
}

/** What a run of the deployed state machine ends with. */
interface AthenaRunOutput {
  readonly runId: string;
  readonly month: string;
  readonly summary: TripSummary;
  readonly report: { readonly html: string; readonly json: string };
}

/** Start the deployed state machine for a month and wait for its end. */
export async function runOnAthena(month: string, options: AnalysisOptions, command: Command): Promise<AthenaRunOutput> {
  const { SFNClient, StartExecutionCommand, DescribeExecutionCommand } = await import('@aws-sdk/client-sfn');
  const global = awsOptions(command);
  const stateMachineArn = await optionOrStackOutput(global, options.stateMachineArn, {
    stackName: options.stackName,
    outputKey: TRIP_OUTLIERS_OUTPUTS.STATE_MACHINE_ARN,
    optionName: '--state-machine-arn',
  });
  const client = explainErrors(new SFNClient(clientConfig(global)), global);
  const input = {
    month,
    ...(options.maxDurationSeconds !== undefined ? { maxDurationSeconds: options.maxDurationSeconds } : {}),
    ...(options.maxSpeedMph !== undefined ? { maxSpeedMph: options.maxSpeedMph } : {}),
  };
  const started = await client.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
  process.stderr.write(`started ${started.executionArn}\n`);
  for (;;) {
    const execution = await client.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    if (execution.status === 'SUCCEEDED') return JSON.parse(execution.output ?? '{}') as AthenaRunOutput;
    if (execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE') {
      throw new Error(
        `Execution ${started.executionArn} ${execution.status}: ${execution.error ?? ''}${execution.cause ? `: ${execution.cause}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, options.pollSeconds * 1000));
  }
}

/** The month of a source named like `yellow_tripdata_2024-01.parquet`. */
export function monthOf(source: string): string | undefined {
  return /yellow_tripdata_(\d{4}-\d{2})\.parquet$/.exec(source)?.[1];
}

/** The summary as text. */
export function summaryText(summary: TripSummary): string {
  const outliers = summary.rows - summary.cleanedRows;
  const share = (n: number) => (summary.rows === 0 ? '' : ` (${((100 * n) / summary.rows).toFixed(2)} %)`);
  const d = summary.durationSeconds;
  return [
    `trips            ${summary.rows}`,
    `outliers         ${outliers}${share(outliers)}`,
    ...OUTLIER_REASONS.map((r) => `  ${r.padEnd(22)} ${summary.outliers[r]}`),
    `cleaned trips    ${summary.cleanedRows}`,
    `duration (s) of cleaned trips: p50 ${d.p50 ?? '–'}, p99 ${d.p99 ?? '–'}, max ${d.max ?? '–'}`,
  ].join('\n');
}

/** Read a Parquet footer from a local path, an `s3://` URI or an `http(s)://` URL and check it. */
export async function schemaOf(
  source: string,
  command: Command,
): Promise<{ report: SchemaReport; rows: number; columns: number }> {
  const { readParquetFooter } = await import('../../lambdas/trip-outliers/adapters/parquet-footer');
  let footer;
  if (source.startsWith('s3://')) {
    const [{ S3Client }, { s3AsyncBuffer }, { parseS3Uri }] = await Promise.all([
      import('@aws-sdk/client-s3'),
      import('../../lambdas/trip-outliers/adapters/s3'),
      import('../../lambdas/shared/s3-keys'),
    ]);
    const global = awsOptions(command);
    const s3 = explainErrors(
      new S3Client({ ...clientConfig(global), forcePathStyle: global.endpointUrl !== undefined }),
      global,
    );
    footer = await readParquetFooter(await s3AsyncBuffer(s3, parseS3Uri(source)), source);
  } else if (/^https?:\/\//.test(source)) {
    const { headSource, sourceFooter } = await import('../../lambdas/trip-outliers/adapters/source');
    footer = await sourceFooter(await headSource(source));
  } else {
    const { asyncBufferFromFile } = await import('hyparquet');
    footer = await readParquetFooter(await asyncBufferFromFile(source), source);
  }
  return { report: checkSchema(footer.columns), rows: footer.rows, columns: footer.columns.length };
}

function schemaText(source: string, rows: number, report: SchemaReport): string {
  const status = (c: SchemaReport['columns'][number]) =>
    !c.rawColumn
      ? 'UNKNOWN: the table does not declare it'
      : report.retyped.some((r) => r.name === c.name)
        ? `RETYPED: the table reads ${c.declared}`
        : `→ ${c.rawColumn} ${c.declared}`;
  const width = Math.max(...report.columns.map((c) => c.name.length), 6);
  return [
    `${source}: ${rows} rows, ${report.columns.length} columns`,
    ...report.columns.map((c) => `  ${c.name.padEnd(width)}  ${c.parquetType.padEnd(26)} ${status(c)}`),
    report.missing.length > 0 ? `not in the file (read as NULL): ${report.missing.join(', ')}` : '',
    report.ok ? 'matches the trip table' : `does NOT match the trip table: ${describeSchemaProblems(report)}`,
  ]
    .filter((line) => line !== '')
    .join('\n');
}

/** The SQL of one step (or `raw`) for an engine, as `mlw trips sql` prints it. */
export async function sqlFor(
  name: string,
  engine: Engine,
  options: { month?: string; runId?: string; tablesLocation: string; file?: string } & Partial<OutlierBounds>,
): Promise<string> {
  const b = { ...DEFAULT_BOUNDS, ...options };
  if (name === 'raw') {
    if (engine === 'athena') return athenaRawTableDdl(options.tablesLocation.replace(/\/tables\/?$/, '/raw'));
    if (!options.file) throw new Error('mlw trips sql raw --engine duckdb needs --file: the view follows its columns');
    const { checkLocalFiles } = await import('../../lambdas/trip-outliers/adapters/duckdb');
    const [checked] = await checkLocalFiles([options.file]);
    return duckdbRawView([resolve(options.file)], presentRawColumns(checked!.report));
  }
  if (!(STEPS as readonly string[]).includes(name)) {
    throw new Error(`Unknown query ${name}; one of: raw, ${STEPS.join(', ')}`);
  }
  const step = name as Step;
  if (engine === 'duckdb') return duckdbPlan({ bounds: b })[step];
  if (options.runId && options.month) {
    const [year, month] = options.month.split('-') as [string, string];
    const plan = athenaRunPlan({
      runId: options.runId,
      year,
      month,
      tablesLocation: options.tablesLocation,
      bounds: b,
    });
    return plan.queries[step].queryString;
  }
  const filter = options.month
    ? `year = '${options.month.slice(0, 4)}' AND month = '${options.month.slice(5)}'`
    : 'year = ? AND month = ?';
  return stepSelects(DIALECTS.athena, LATEST, { bounds: b, rawFilter: filter })[step];
}

/** Download one month from the public source into a folder, checking its schema first (the Lambda's own rule). */
async function ingestLocally(month: string, outDir: string, baseUrl: string) {
  const [{ ingestFile }, source] = await Promise.all([
    import('../../lambdas/trip-outliers/core/ingest'),
    import('../../lambdas/trip-outliers/adapters/source'),
  ]);
  mkdirSync(outDir, { recursive: true });
  const target = join(outDir, tripFileName(month));
  const result = await ingestFile(
    `${baseUrl.replace(/\/+$/, '')}/${tripFileName(month)}`,
    {
      head: (url) => source.headSource(url),
      footer: (head) => source.sourceFooter(head),
      stored: () => {
        try {
          return Promise.resolve({ bytes: statSync(target).size });
        } catch {
          return Promise.resolve(undefined);
        }
      },
      store: async (head) => {
        const progress = createProgress(`downloading ${tripFileName(month)}`, head.bytes);
        let bytes = 0;
        try {
          await pipeline(
            await source.openSourceStream(head.url),
            countBytes((n) => progress.update((bytes += n))),
            createWriteStream(`${target}.part`),
          );
        } finally {
          progress.stop();
        }
        renameSync(`${target}.part`, target);
        return bytes;
      },
    },
    MAX_SINGLE_PUT_BYTES,
  );
  return { file: target, ...result };
}

/** Register `mlw trips`. */
export function registerTripsCommands(program: Command): void {
  const trips = program
    .command('trips')
    .description('Trip outlier analysis of NYC TLC trip records: DuckDB locally, Athena at data-lake scale')
    .addHelpText('after', example('mlw trips analyze yellow_tripdata_2024-01.parquet'));

  addAnalysisOptions(
    trips
      .command('analyze')
      .description('Find outliers in trip files (Parquet, local or s3://) and print the summary')
      .addHelpText('after', example('mlw trips analyze yellow_tripdata_2024-01.parquet --json'))
      .argument('<sources...>', 'Parquet files (local paths or s3:// URIs); athena: one file or --month')
      .option('--json', 'print {rows, outliers: {<reason>: count}, cleanedRows, durationSeconds: {p50, p99, max}}')
      .option('--out-dir <dir>', 'duckdb: also write cleaned.parquet and outliers.parquet here'),
  ).action(
    async (sources: string[], options: AnalysisOptions & { json?: boolean; outDir?: string }, command: Command) => {
      let summary: TripSummary;
      let where = '';
      if (options.engine === 'athena') {
        const month = options.month ?? (sources.length === 1 ? monthOf(sources[0]!) : undefined);
        if (!month) throw new Error('athena: give --month YYYY-MM, or one file named yellow_tripdata_YYYY-MM.parquet');
        const out = await runOnAthena(month, options, command);
        summary = out.summary;
        where = `report: ${out.report.html}`;
      } else {
        summary = (await analyzeWithDuckDb(sources, options, command)).summary;
        if (options.outDir) where = `cleaned and outlier rows: ${resolve(options.outDir)}`;
      }
      process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : `${summaryText(summary)}\n`);
      if (where && !options.json) process.stdout.write(`${where}\n`);
    },
  );

  addAnalysisOptions(
    trips
      .command('ingest')
      .description('Fetch one month of yellow-taxi trips; duckdb: into a folder, athena: through the deployed workflow')
      .addHelpText('after', example('mlw trips ingest --month 2024-01 --out-dir data'))
      .requiredOption('--month <YYYY-MM>', 'the month', monthParser)
      .option('--out-dir <dir>', 'duckdb: folder for the file', '.')
      .option('--base-url <url>', 'where the monthly files are published', TLC_BASE_URL)
      .option('--json', 'print the result as JSON'),
    { month: false },
  ).action(
    async (
      options: AnalysisOptions & { month: string; outDir: string; baseUrl: string; json?: boolean },
      command: Command,
    ) => {
      const result =
        options.engine === 'athena'
          ? await runOnAthena(options.month, options, command)
          : await ingestLocally(options.month, options.outDir, options.baseUrl);
      if (options.json) {
        process.stdout.write(
          `${JSON.stringify('schema' in result ? { ...result, schema: { ok: true, missing: result.schema.missing } } : result)}\n`,
        );
      } else if ('schema' in result) {
        process.stdout.write(
          `${result.copied ? 'downloaded' : 'already there'}: ${result.file} (${result.bytes} bytes, ${result.rows} rows)\n` +
            (result.schema.missing.length > 0 ? `not in this month (NULL): ${result.schema.missing.join(', ')}\n` : ''),
        );
      } else {
        process.stdout.write(`${summaryText(result.summary)}\nreport: ${result.report.html}\n`);
      }
    },
  );

  trips
    .command('schema')
    .description(
      'Columns and types of a Parquet file, and what differs from the trip table (exit 2 if it does not match)',
    )
    .addHelpText('after', example('mlw trips schema data/yellow_tripdata_2024-01.parquet'))
    .argument('<source>', 'local path, s3:// URI or https:// URL (only the footer is read)')
    .option('--json', 'print the check as JSON')
    .action(async (source: string, options: { json?: boolean }, command: Command) => {
      const { report, rows } = await schemaOf(source, command);
      process.stdout.write(
        options.json ? `${JSON.stringify({ source, rows, ...report })}\n` : `${schemaText(source, rows, report)}\n`,
      );
      if (!report.ok) process.exitCode = 2;
    });

  trips
    .command('sql')
    .description(`Print the SQL of a step for an engine: raw, ${STEPS.join(', ')}`)
    .addHelpText('after', example('mlw trips sql profile --engine athena'))
    .argument('<name>', 'the step')
    .addOption(new Option('--engine <engine>', 'duckdb or athena').choices(ENGINES).default('duckdb'))
    .option('--month <YYYY-MM>', 'athena: the partition to read (default: ? parameters)', monthParser)
    .option('--run-id <id>', 'athena: print the CTAS of this run (with --month)')
    .option('--tables-location <s3uri>', 'athena: where run tables go', 's3://DATA_BUCKET/tables')
    .option('--file <path>', 'duckdb raw: the file whose columns the view reads')
    .option('--max-duration-seconds <s>', 'duration rule bound', boundParser('maxDurationSeconds'))
    .option('--max-speed-mph <mph>', 'speed rule bound', boundParser('maxSpeedMph'))
    .action(
      async (
        name: string,
        options: {
          engine: Engine;
          month?: string;
          runId?: string;
          tablesLocation: string;
          file?: string;
        } & Partial<OutlierBounds>,
      ) => {
        process.stdout.write(`${await sqlFor(name, options.engine, options)}\n`);
      },
    );

  addAnalysisOptions(
    trips
      .command('report')
      .description(
        'Write the HTML report (summary table and charts) of trip files, or of a report.json from either engine',
      )
      .addHelpText('after', example('mlw trips report data/yellow_tripdata_2024-01.parquet --out report.html'))
      .argument('[sources...]', 'Parquet files to analyze (as analyze)')
      .option('--from <report.json>', 'render this report data instead (local path or s3://…/report.json)')
      .option('--out <file.html>', 'the page to write', 'trip-outliers-report.html'),
  ).action(async (sources: string[], options: AnalysisOptions & { from?: string; out: string }, command: Command) => {
    let report: TripReport;
    if (options.from) {
      report = await readReportData(options.from, command);
    } else if (sources.length > 0 && options.engine === 'duckdb') {
      report = await analyzeWithDuckDb(sources, options, command);
    } else {
      throw new Error(
        'Give Parquet files to analyze, or --from a report.json (the Athena run writes one beside report.html)',
      );
    }
    const { renderReportHtml } = await import('../../lambdas/trip-outliers/core/report-html');
    writeFileSync(options.out, await renderReportHtml(report));
    process.stdout.write(`${resolve(options.out)}\n`);
  });
}

/** Read a `report.json` (local or `s3://`). */
async function readReportData(from: string, command: Command): Promise<TripReport> {
  let text: string;
  if (from.startsWith('s3://')) {
    const { openSource } = await import('../sources');
    const opened = await openSource(from, awsOptions(command));
    const chunks: Buffer[] = [];
    for await (const chunk of opened.body) chunks.push(chunk as Buffer);
    text = Buffer.concat(chunks).toString('utf8');
  } else {
    text = readFileSync(from, 'utf8');
  }
  const data = JSON.parse(text) as Partial<TripReport>;
  if (typeof data.summary?.rows !== 'number' || !Array.isArray(data.histogram) || !Array.isArray(data.outliersByDay)) {
    throw new Error(`${from} is not a trip report (report.json of mlw trips or of the Athena run)`);
  }
  return data as TripReport;
}
