/** Builders of Lambda events for the streaming anomaly handlers (shapes from the AWS Lambda documentation). */

const STREAM_ARN = 'arn:aws:kinesis:us-east-1:123456789012:stream/traffic-input';
let sequence = 49590338271490256608559692538361571095921575989136588898n;

/** One Kinesis record of a Lambda event, with `data` as the JSON (or raw text) given. */
export function kinesisRecord(data: unknown, options: { shardId?: string; arrival?: number } = {}) {
  sequence += 1n;
  const shardId = options.shardId ?? 'shardId-000000000000';
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: 'camera-cam-1',
      sequenceNumber: String(sequence),
      data: Buffer.from(text, 'utf8').toString('base64'),
      approximateArrivalTimestamp: (options.arrival ?? Date.now()) / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${sequence}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::123456789012:role/aggregator',
    awsRegion: 'us-east-1',
    eventSourceARN: STREAM_ARN,
  };
}

/** A Kinesis tumbling-window event. */
export function windowEvent(options: {
  records: ReturnType<typeof kinesisRecord>[];
  state?: unknown;
  final?: boolean;
  start?: string;
  end?: string;
  shardId?: string;
  terminatedEarly?: boolean;
}) {
  return {
    Records: options.records,
    window: { start: options.start ?? '2026-11-23T08:15:00Z', end: options.end ?? '2026-11-23T08:20:00Z' },
    state: options.state ?? {},
    shardId: options.shardId ?? 'shardId-000000000000',
    eventSourceARN: STREAM_ARN,
    isFinalInvokeForWindow: options.final ?? false,
    isWindowTerminatedEarly: options.terminatedEarly ?? false,
  };
}

/**
 * A Kinesis record aggregated by the KPL format (magic bytes, protobuf, MD5 trailer), built with aws-kinesis-agg's
 * own aggregator from the given user-record texts.
 */
export async function kplRecord(texts: string[], options: { arrival?: number } = {}) {
  const { aggregate } = (await import('aws-kinesis-agg')) as unknown as {
    aggregate: (
      records: { partitionKey: string; data: Buffer }[],
      onEncoded: (encoded: { partitionKey: string; data: Buffer }, done: (error?: Error) => void) => void,
      afterAll: () => void,
      onError: (error: Error) => void,
    ) => void;
  };
  const encoded: Buffer[] = [];
  await new Promise<void>((resolve, reject) =>
    aggregate(
      texts.map((t) => ({ partitionKey: 'camera-cam-7', data: Buffer.from(t, 'utf8') })),
      (record, done) => {
        encoded.push(record.data);
        done();
      },
      resolve,
      reject,
    ),
  );
  if (encoded.length !== 1) throw new Error(`expected one aggregated record, got ${encoded.length}`);
  const record = kinesisRecord('', options);
  return { ...record, kinesis: { ...record.kinesis, data: encoded[0]!.toString('base64') } };
}
