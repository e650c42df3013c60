import { mkdtempSync, rmSync } from 'node:fs';
import { type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** A local AWS stand-in listening on a free loopback port. */
export interface LocalService {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** Stop the server and remove its files. Safe to call twice. */
  stop(): Promise<void>;
}

// s3rver accepts only its built-in key pair; kinesalite and dynalite accept any.
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const region = 'us-east-1';

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve(`http://127.0.0.1:${port}`);
    });
  });
}

function closer(server: Server, cleanup?: () => void): () => Promise<void> {
  let stopped = false;
  return async () => {
    if (stopped) return;
    stopped = true;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    cleanup?.();
  };
}

/** Start kinesalite (in memory). Streams are created immediately (no CREATING delay). */
export async function startKinesalite(): Promise<LocalService> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const kinesalite = require('kinesalite') as (options: object) => Server;
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 1000 });
  return { endpoint: await listen(server), stop: closer(server) };
}

/** Start dynalite (in memory). Tables are active immediately. */
export async function startDynalite(): Promise<LocalService> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynalite = require('dynalite') as (options: object) => Server;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  return { endpoint: await listen(server), stop: closer(server) };
}

/** Start s3rver with its files in a fresh temporary folder (removed on stop). */
export async function startS3rver(): Promise<LocalService> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const S3rver = require('s3rver') as new (options: object) => {
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  };
  const directory = mkdtempSync(join(tmpdir(), 's3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory });
  const address = await server.run();
  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** An S3 client for s3rver: path-style, and checksums only when required (streamed uploads stay byte-exact). */
export function localS3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region,
    credentials,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** A Kinesis client for kinesalite: HTTP/1.1 (kinesalite does not speak HTTP/2). Address streams by name. */
export function localKinesisClient(endpoint: string): KinesisClient {
  return new KinesisClient({ endpoint, region, credentials, requestHandler: new NodeHttpHandler() });
}

/** A DynamoDB client for dynalite. */
export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region, credentials });
}

type Starter = () => Promise<LocalService>;
const STARTERS = { kinesis: startKinesalite, s3: startS3rver, dynamodb: startDynalite } satisfies Record<
  string,
  Starter
>;

/**
 * Start the named local services before the tests of a file and always stop them after, even when a test fails.
 * Read the endpoints inside tests (after `beforeAll` has run).
 *
 * @example
 * const services = useLocalServices('kinesis', 's3');
 * it('...', async () => { const s3 = localS3Client(services.s3.endpoint); ... });
 */
export function useLocalServices<Name extends keyof typeof STARTERS>(...names: Name[]): Record<Name, LocalService> {
  const started = {} as Record<Name, LocalService>;
  beforeAll(async () => {
    for (const name of names) started[name] = await STARTERS[name]();
  });
  afterAll(async () => {
    await Promise.all(Object.values<LocalService>(started).map((service) => service.stop()));
  });
  return new Proxy(started, {
    get(target, property: string) {
      const service = target[property as Name];
      if (!service) throw new Error(`Local service ${property} is not started (use it inside a test)`);
      return service;
    },
  });
}
