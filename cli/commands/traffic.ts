import { type KinesisClient } from '@aws-sdk/client-kinesis';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type PutRecordsPort, type StreamEntry, putAllRecords } from '../../lambdas/streaming-anomaly/core/put-records';
import { type SimulatedEvent, parseAnomaly, simulateCameraEvents } from '../../lambdas/streaming-anomaly/core/simulate';
import {
  type AwsOptions,
  stackAliasOption,
  stackNameOption,
  awsOptions,
  clientConfig,
  explainErrors,
  optionOrStackOutput,
} from '../aws';
import { CliError } from '../errors';
import { example } from '../help';
import { createProgress } from '../progress';

/** Options of `mlw traffic simulate`. */
export interface SimulateOptions {
  stream?: string;
  stackName: string;
  cameras: number;
  events?: number;
  duration?: number;
  rate: number;
  anomaly: [string, number][];
  startTime?: number;
  seed: number;
  batchSize: number;
}

/** What `mlw traffic simulate` prints at the end (JSON on stdout). */
export interface SimulationSummary {
  stream: string;
  events: number;
  stored: number;
  failed: number;
  putRecordsCalls: number;
  retriedEntries: number;
  seconds: number;
  eventsPerSecond: number;
  perCamera: Record<string, number>;
  firstEventTime?: string;
  lastEventTime?: string;
}

const positiveInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
  return n;
};
const positiveNumber = (name: string) => (value: string) => {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a positive number`);
  return n;
};

/**
 * A Kinesis client for the global AWS options (loaded when a command sends). With `--endpoint-url` (a local stand-in
 * such as kinesalite) it speaks HTTP/1.1 through `NodeHttpHandler`: the SDK's default HTTP/2 handler fails there with
 * "Protocol error".
 */
export async function kinesisClient(options: AwsOptions): Promise<KinesisClient> {
  const [{ KinesisClient }, { NodeHttpHandler }] = await Promise.all([
    import('@aws-sdk/client-kinesis'),
    import('@smithy/node-http-handler'),
  ]);
  return explainErrors(
    new KinesisClient({
      ...clientConfig(options),
      ...(options.endpointUrl ? { requestHandler: new NodeHttpHandler() } : {}),
    }),
    options,
  );
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Send simulated camera events to the input stream with `PutRecords` (≤ 500 per call, entries reported with an
 * `ErrorCode` re-sent with back-off), as the IoT rule would put them: same partition key, same fields.
 */
export async function simulate(
  client: KinesisClient,
  streamName: string,
  options: SimulateOptions,
  log: (line: string) => void = () => undefined,
): Promise<SimulationSummary> {
  if (options.events !== undefined && options.duration !== undefined)
    throw new CliError('give either --events or --duration, not both');
  const { PutRecordsCommand } = await import('@aws-sdk/client-kinesis');
  const live = options.duration !== undefined;
  const total = options.events ?? (live ? Math.round(options.duration! * options.rate) : 1000);
  const target = streamName.startsWith('arn:') ? { StreamARN: streamName } : { StreamName: streamName };
  const put: PutRecordsPort = async (entries) => {
    const answer = await client.send(
      new PutRecordsCommand({
        ...target,
        Records: entries.map((e) => ({ Data: e.Data, PartitionKey: e.PartitionKey })),
      }),
    );
    return (answer.Records ?? []).map((r) => r.ErrorCode ?? undefined);
  };
  const perCamera: Record<string, number> = {};
  let stored = 0;
  let failed = 0;
  let calls = 0;
  let retried = 0;
  let first: number | undefined;
  let last: number | undefined;
  const started = Date.now();
  const progress = createProgress('sending', total, 'records');
  const batchSize = live ? Math.max(1, Math.min(options.batchSize, Math.ceil(options.rate))) : options.batchSize;
  let sent = 0;
  let batch: SimulatedEvent[] = [];
  const flush = async () => {
    if (live) {
      const due = started + (sent * 1000) / options.rate;
      if (due > Date.now()) await sleep(due - Date.now());
    }
    const now = Date.now();
    const entries: StreamEntry[] = batch.map((event) => {
      const message = { ...event.message, event_time: event.message.event_time ?? now };
      first = Math.min(first ?? message.event_time, message.event_time);
      last = Math.max(last ?? message.event_time, message.event_time);
      perCamera[event.cameraId] = (perCamera[event.cameraId] ?? 0) + 1;
      return { Data: Buffer.from(JSON.stringify(message), 'utf8'), PartitionKey: event.partitionKey };
    });
    const result = await putAllRecords(entries, put, {
      beforeRetry: (round, count) => {
        log(`retrying ${count} records (round ${round})`);
        return sleep(100 * 2 ** round);
      },
      onStored: (n) => progress.increment(n),
    });
    stored += result.stored;
    failed += result.failed.length;
    calls += result.calls;
    retried += result.retried;
    sent += batch.length;
    batch = [];
  };
  try {
    for (const event of simulateCameraEvents({
      cameras: options.cameras,
      events: total,
      ratePerSecond: options.rate,
      startTime: options.startTime,
      anomalies: Object.fromEntries(options.anomaly),
      seed: options.seed,
    })) {
      batch.push(event);
      if (batch.length >= batchSize) await flush();
    }
    if (batch.length > 0) await flush();
  } finally {
    progress.stop();
  }
  const seconds = (Date.now() - started) / 1000;
  return {
    stream: streamName,
    events: total,
    stored,
    failed,
    putRecordsCalls: calls,
    retriedEntries: retried,
    seconds: Math.round(seconds * 100) / 100,
    eventsPerSecond: seconds > 0 ? Math.round(stored / seconds) : stored,
    perCamera,
    firstEventTime: first === undefined ? undefined : new Date(first).toISOString(),
    lastEventTime: last === undefined ? undefined : new Date(last).toISOString(),
  };
}

/** `mlw traffic …`: commands of the streaming anomaly pipeline. */
export function registerTrafficCommands(program: Command): void {
  const traffic = program
    .command('traffic')
    .description('Streaming anomaly pipeline: camera events and traffic counts')
    .addHelpText('after', example('mlw traffic simulate --events 5000 --cameras 4'));
  traffic
    .command('simulate')
    .description('Send simulated camera events (person/car track ids) to the input stream, as the IoT rule would')
    .option('--stream <name>', 'input stream name or ARN (default: output InputStreamName of the deployed stack)')
    .addOption(stackNameOption('Mlw-StreamingAnomaly', 'the InputStreamName output'))
    .addOption(stackAliasOption())
    .option('--cameras <n>', 'number of cameras (camera-1 … camera-N)', positiveInt('--cameras'), 3)
    .addOption(
      new Option('--events <n>', 'events to send, as fast as the stream takes them (default 1000)')
        .argParser(positiveInt('--events'))
        .conflicts('duration'),
    )
    .addOption(
      new Option('--duration <seconds>', 'send live traffic for this long, paced at --rate').argParser(
        positiveNumber('--duration'),
      ),
    )
    .option(
      '--rate <events-per-second>',
      'events per second (pacing with --duration, event-time spacing with --start-time)',
      positiveNumber('--rate'),
      50,
    )
    .option(
      '--anomaly <camera:factor>',
      "multiply one camera's traffic (repeatable), e.g. camera-2:5",
      (value: string, previous: [string, number][]) => [...previous, parseAnomaly(value)],
      [],
    )
    .option(
      '--start-time <iso>',
      'replay history: stamp events from this time on, spaced by --rate, instead of the send time',
      (value: string) => {
        const time = Date.parse(value);
        if (Number.isNaN(time))
          throw new InvalidArgumentError('--start-time must be an ISO 8601 time, e.g. 2026-11-23T08:00:00Z');
        return time;
      },
    )
    .option('--seed <n>', 'seed of the generator (same seed, same events)', positiveInt('--seed'), 1)
    .option(
      '--batch-size <n>',
      'records per PutRecords call (≤ 500)',
      (value: string) => {
        const n = positiveInt('--batch-size')(value);
        if (n > 500) throw new InvalidArgumentError('--batch-size must be at most 500 (the PutRecords limit)');
        return n;
      },
      500,
    )
    .addHelpText('after', example('mlw traffic simulate --duration 600 --rate 20 --anomaly camera-2:5'))
    .action(async (options: SimulateOptions, command: Command) => {
      const aws = awsOptions(command);
      const stream = await optionOrStackOutput(aws, options.stream, {
        stackName: options.stackName,
        outputKey: 'InputStreamName',
        optionName: '--stream',
      });
      const summary = await simulate(await kinesisClient(aws), stream, options, (line) =>
        process.stderr.write(`${line}\n`),
      );
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      if (summary.failed > 0) {
        process.stderr.write(`mlw: ${summary.failed} of ${summary.events} events were not stored\n`);
        process.exitCode = 2;
      }
    });
}
