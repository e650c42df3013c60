import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { type Engine, type OutlierBounds, ENGINES, STEPS, TLC_BASE_URL } from '../../lambdas/trip-outliers/contract';
import { type TripReport, type TripSummary } from '../../lambdas/trip-outliers/core/report';
import { example } from '../help';
import { runOnAthena } from './trips/athena';
import { ingestLocally } from './trips/ingest';
import { analyzeWithDuckDb } from './trips/local';
import { type AnalysisOptions, addAnalysisOptions, boundParser, monthParser } from './trips/options';
import { readReportData } from './trips/report';
import { schemaOf, schemaText } from './trips/schema';
import { sqlFor } from './trips/sql';
import { monthOf, summaryText } from './trips/text';

/**
 * `mlw trips`: the trip-outlier analysis. Local commands run embedded DuckDB and load no AWS SDK client (they are
 * imported only by the commands and sources that call AWS); `--engine athena` runs the deployed state machine.
 *
 * One module per part in cli/commands/trips/: shared options, the local (DuckDB) and Athena runs, ingest, schema, sql,
 * report data and the printed text; this file registers the commands.
 */

export { DEFAULT_TRIPS_STACK } from './trips/options';

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
