import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { type Template } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../../lib/config';
import { StreamingAnomalyStack } from '../../../lib/stacks/streaming-anomaly-stack';
import { type AggregatedRow, intervalLayout } from '../../../lambdas/streaming-anomaly/contract';
import { WindowAggregator, serializeRow } from '../../../lambdas/streaming-anomaly/core/window';
import { templateOf, testApp } from '../../helpers/app';

/**
 * The S3 layout contract, proved on the synthesized templates: Firehose's jq query and prefix put every row in the
 * folder of its own window_start, and that folder is the one the detector's path template names.
 */

const JQ = '/usr/bin/jq';

function template(detector: string): Template {
  const config = parseConfig({ 'streamingAnomaly.detector': detector });
  return templateOf(new StreamingAnomalyStack(testApp(), 'Mlw-StreamingAnomaly', { config: config.streamingAnomaly }));
}

interface S3Destination {
  BucketARN: { 'Fn::GetAtt': [string, string] };
  Prefix: string;
  ErrorOutputPrefix: string;
  ProcessingConfiguration: {
    Processors: { Type: string; Parameters: { ParameterName: string; ParameterValue: string }[] }[];
  };
}

function firehoseDestination(t: Template): S3Destination {
  const streams = Object.values(t.findResources('AWS::KinesisFirehose::DeliveryStream')) as {
    Properties: { ExtendedS3DestinationConfiguration: S3Destination };
  }[];
  expect(streams).toHaveLength(1);
  return streams[0]!.Properties.ExtendedS3DestinationConfiguration;
}

function jqQueryOf(destination: S3Destination): string {
  const processor = destination.ProcessingConfiguration.Processors.find((p) => p.Type === 'MetadataExtraction');
  const engine = processor?.Parameters.find((p) => p.ParameterName === 'JsonParsingEngine')?.ParameterValue;
  expect(engine).toBe('JQ-1.6');
  const query = processor?.Parameters.find((p) => p.ParameterName === 'MetadataExtractionQuery')?.ParameterValue;
  if (!query) throw new Error('no MetadataExtractionQuery in the synthesized delivery stream');
  return query;
}

/** Run jq 1.6 over newline-delimited records, as Firehose does for each record; one compact JSON answer per record. */
function runJq(query: string, records: string[]): Record<string, string>[] {
  const result = spawnSync(JQ, ['-c', query], { input: records.join('\n'), encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`jq failed (${result.status}): ${result.stderr}`);
  return result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, string>);
}

/** Evaluate a Firehose prefix: `!{partitionKeyFromQuery:k}` from the jq answer; any other expression is a failure. */
function evaluatePrefix(prefix: string, keys: Record<string, string>): string {
  return prefix.replace(/!\{([^}:]+):([^}]*)\}/g, (_, namespace: string, key: string) => {
    if (namespace !== 'partitionKeyFromQuery')
      throw new Error(`prefix uses !{${namespace}:…}, which is not the row's own time`);
    const value = keys[key];
    if (value === undefined) throw new Error(`jq gave no ${key}`);
    return value;
  });
}

/** The detector's template path, with the bucket reference rendered as <LogicalId>. */
function detectorTemplate(t: Template): { path: string; bucketLogicalId: string } {
  const detectors = Object.values(t.findResources('AWS::LookoutMetrics::AnomalyDetector')) as {
    Properties: { MetricSetList: { MetricSource: { S3SourceConfig: { TemplatedPathList: unknown[] } } }[] };
  }[];
  expect(detectors).toHaveLength(1);
  const [path] = detectors[0]!.Properties.MetricSetList[0]!.MetricSource.S3SourceConfig.TemplatedPathList as [
    { 'Fn::Join': [string, unknown[]] },
  ];
  let bucketLogicalId = '';
  const rendered = path['Fn::Join'][1]
    .map((part) => {
      if (typeof part === 'string') return part;
      bucketLogicalId = (part as { Ref: string }).Ref;
      return `<${bucketLogicalId}>`;
    })
    .join(path['Fn::Join'][0]);
  return { path: rendered, bucketLogicalId };
}

/** Fill `{{yyyyMMdd}}` and `{{HHmm}}` from a time, independently of the code under test. */
function fillTemplate(path: string, windowStart: string): string {
  const d = new Date(`${windowStart.replace(' ', 'T')}Z`);
  const p = (n: number) => String(n).padStart(2, '0');
  return path
    .replace('{{yyyyMMdd}}', `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}`)
    .replace('{{HHmm}}', `${p(d.getUTCHours())}${p(d.getUTCMinutes())}`);
}

/** Rows as the aggregator emits them: several cameras and shards, windows across midnight, year end and late events. */
function emittedRows(): AggregatedRow[] {
  const base = Date.UTC(2026, 11, 31, 23, 50, 0);
  const rows: AggregatedRow[] = [];
  for (const shardId of ['shardId-000000000000', 'shardId-000000000001']) {
    const aggregator = new WindowAggregator({ windowSeconds: 300, shardId });
    for (let i = 0; i < 400; i += 1) {
      aggregator.add({
        cameraId: `cam-${i % 3}`,
        measure: i % 2 === 0 ? 'person' : 'car',
        trackId: String(i % 50),
        eventTime: base + i * 4_000,
      });
    }
    // A late event from an earlier day: its row must land in that day's folder, not today's.
    aggregator.add({ cameraId: 'cam-0', measure: 'car', trackId: 'late', eventTime: Date.UTC(2026, 11, 30, 7, 5, 59) });
    rows.push(...aggregator.rows());
  }
  return rows;
}

describe('interval layout contract (synthesized Firehose configuration × jq 1.6 × detector path template)', () => {
  const cloudwatch = firehoseDestination(template('cloudwatch'));
  const lookoutTemplate = template('lookout');
  const lookout = firehoseDestination(lookoutTemplate);
  const detector = detectorTemplate(lookoutTemplate);

  it('uses jq 1.6, the version Firehose runs', () => {
    expect(spawnSync(JQ, ['--version'], { encoding: 'utf8' }).stdout.trim()).toBe('jq-1.6');
  });

  it('partitions on the row, not on arrival time, and has the error prefix Firehose requires', () => {
    for (const destination of [cloudwatch, lookout]) {
      expect(destination.Prefix).not.toContain('!{timestamp');
      expect(destination.Prefix).toContain('!{partitionKeyFromQuery:');
      expect(destination.ErrorOutputPrefix).toContain('!{firehose:error-output-type}');
    }
    expect(lookout.Prefix).toBe(cloudwatch.Prefix);
    expect(jqQueryOf(lookout)).toBe(jqQueryOf(cloudwatch));
  });

  it('puts every emitted row in the folder of its own window_start — the folder the detector template names', () => {
    const rows = emittedRows();
    expect(new Set(rows.map((r) => r.window_start.slice(0, 10)))).toEqual(
      new Set(['2026-12-30', '2026-12-31', '2027-01-01']),
    );
    // What the processed stream carries: one JSON object per record; Firehose appends the newline.
    const records = rows.map(serializeRow);
    const keys = runJq(jqQueryOf(cloudwatch), records);
    expect(keys).toHaveLength(rows.length);
    expect(detector.bucketLogicalId).toBe(lookout.BucketARN['Fn::GetAtt'][0]);
    const bucketPath = `s3://<${detector.bucketLogicalId}>/`;
    rows.forEach((row, i) => {
      const folder = evaluatePrefix(cloudwatch.Prefix, keys[i]!);
      expect({ row: row.window_start, folder: `${bucketPath}${folder}` }).toEqual({
        row: row.window_start,
        folder: fillTemplate(detector.path, row.window_start),
      });
      expect(folder).toBe(intervalLayout('traffic').folderOf(row.window_start));
    });
    expect(evaluatePrefix(cloudwatch.Prefix, keys[0]!)).toBe('traffic/20261230/0705/');
  });

  it('holds for any window start (property, through the real jq binary)', () => {
    const query = jqQueryOf(cloudwatch);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 15_778_080, max: 68_374_079 }), { minLength: 1, maxLength: 50 }),
        (minutes) => {
          const rows = minutes.map((m) => {
            const aggregator = new WindowAggregator({ windowSeconds: 60, shardId: 's' });
            aggregator.add({ cameraId: 'c', measure: 'car', trackId: '1', eventTime: m * 60_000 });
            return aggregator.rows()[0]!;
          });
          const keys = runJq(query, rows.map(serializeRow));
          rows.forEach((row, i) => {
            expect(`s3://<${detector.bucketLogicalId}>/${evaluatePrefix(cloudwatch.Prefix, keys[i]!)}`).toBe(
              fillTemplate(detector.path, row.window_start),
            );
          });
        },
      ),
      { numRuns: 20 },
    );
  });

  it('fails when a prefix uses arrival time (the check can fail)', () => {
    const keys = runJq(jqQueryOf(cloudwatch), [serializeRow(emittedRows()[0]!)]);
    expect(() => evaluatePrefix('traffic/!{timestamp:yyyyMMdd}/!{timestamp:HHmm}/', keys[0]!)).toThrow('not the row');
    expect(
      evaluatePrefix(
        'traffic/!{partitionKeyFromQuery:interval_time}/!{partitionKeyFromQuery:interval_date}/',
        keys[0]!,
      ),
    ).not.toBe(fillTemplate('traffic/{{yyyyMMdd}}/{{HHmm}}/', emittedRows()[0]!.window_start));
  });
});
