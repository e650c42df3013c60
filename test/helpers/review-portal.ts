import { readFile } from 'node:fs/promises';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { CreateTableCommand, type DynamoDBClient, GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context, DynamoDBStreamEvent } from 'aws-lambda';
import {
  QUEUE_INDEX_ATTRIBUTES,
  REVIEW_ROUTES,
  TASK_TABLE,
  type WebConfig,
} from '../../lambdas/review-portal/contract';
import { type ReviewBatch, type ReviewItem } from '../../lambdas/review/contract';
import { lambdaContext } from './lambda-context';

/** Create the task table in dynalite exactly as the construct defines it (key, sparse queue index, projection). */
export async function createTaskTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: TASK_TABLE.PARTITION_KEY, AttributeType: 'S' },
        { AttributeName: TASK_TABLE.QUEUE_KEY, AttributeType: 'S' },
        { AttributeName: TASK_TABLE.QUEUE_SORT_KEY, AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: TASK_TABLE.PARTITION_KEY, KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: TASK_TABLE.QUEUE_INDEX,
          KeySchema: [
            { AttributeName: TASK_TABLE.QUEUE_KEY, KeyType: 'HASH' },
            { AttributeName: TASK_TABLE.QUEUE_SORT_KEY, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...QUEUE_INDEX_ATTRIBUTES] },
        },
      ],
    }),
  );
}

/** A review batch like the active-learning starter sends: `count` items, the given categories. */
export function reviewBatch(
  id: string,
  count = 2,
  categories: string[] = ['Positive', 'Negative', 'Neutral'],
  multiLabel = false,
): ReviewBatch {
  const items: ReviewItem[] = Array.from({ length: count }, (_, index) => ({
    index,
    utterance: `Item ${index} of ${id}: the delivery was late but the support team was helpful`,
    prediction: categories[index % categories.length],
    confidence: 0.41 + index / 100,
    classifier: 'sentiment',
    source: 'implicit',
  }));
  return {
    id,
    input: {
      categories,
      multiLabel,
      items,
      source: { bucket: 'feedback-bucket', key: `feedback/${id}.jsonl`, batch: 0 },
    },
  };
}

/** Claims of a signed-in user, as the Cognito authorizer passes them. */
export interface TestUser {
  readonly sub: string;
  readonly email?: string;
  readonly groups?: readonly string[];
}

const b64url = (value: string) => Buffer.from(value, 'utf8').toString('base64url');

/**
 * An unsigned JWT-shaped token carrying the user's claims: sign-in stubbed at the token level. The page reads it like
 * a Cognito ID token; the local adapter turns it into authorizer claims (API Gateway would verify the signature).
 */
export function testToken(user: TestUser, expiresInSeconds = 3600): string {
  const claims = {
    sub: user.sub,
    email: user.email ?? `${user.sub}@example.com`,
    'cognito:groups': user.groups ?? ['reviewers'],
    iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TEST',
    token_use: 'id',
    exp: Math.floor(Date.now() / 1000) + expiresInSeconds,
  };
  return `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}.test`;
}

/** Claims as the REST API Cognito authorizer hands them to Lambda (every value a string; groups joined by commas). */
export function authorizerClaims(user: TestUser): Record<string, string> {
  return {
    sub: user.sub,
    email: user.email ?? `${user.sub}@example.com`,
    'cognito:groups': (user.groups ?? ['reviewers']).join(','),
    iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TEST',
  };
}

/** An API Gateway (REST, proxy integration) event for a route. */
export function apiEvent(options: {
  method: string;
  resource: string;
  path: string;
  user?: TestUser;
  claims?: Record<string, string>;
  pathParameters?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
}): APIGatewayProxyEvent {
  const claims = options.claims ?? (options.user ? authorizerClaims(options.user) : undefined);
  // API Gateway passes the Authorization header it verified (the ID token) on to the function.
  const authorization = options.user ? { Authorization: testToken(options.user) } : {};
  return {
    resource: options.resource,
    path: options.path,
    httpMethod: options.method,
    headers: options.headers ?? authorization,
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: options.pathParameters ?? null,
    stageVariables: null,
    body:
      options.body === undefined
        ? null
        : typeof options.body === 'string'
          ? options.body
          : JSON.stringify(options.body),
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      authorizer: claims ? { claims } : null,
      httpMethod: options.method,
      identity: {} as APIGatewayProxyEvent['requestContext']['identity'],
      path: options.path,
      protocol: 'HTTP/1.1',
      requestId: 'local-request',
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: options.resource,
      stage: 'v1',
    },
  };
}

/** The raw (marshalled) item, as a DynamoDB stream image carries it. */
export async function rawItem(
  client: DynamoDBClient,
  tableName: string,
  taskId: string,
): Promise<Record<string, AttributeValue>> {
  const answer = await client.send(
    new GetItemCommand({ TableName: tableName, Key: { taskId: { S: taskId } }, ConsistentRead: true }),
  );
  if (!answer.Item) throw new Error(`No task ${taskId}`);
  return answer.Item;
}

/** A DynamoDB stream event (NEW_AND_OLD_IMAGES) for one MODIFY of a task — dynalite has no streams. */
export function streamEvent(
  tableName: string,
  changes: { old: Record<string, AttributeValue>; new: Record<string, AttributeValue> }[],
): DynamoDBStreamEvent {
  return {
    Records: changes.map((change, i) => ({
      eventID: `event-${i}`,
      eventName: 'MODIFY',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      eventSourceARN: `arn:aws:dynamodb:us-east-1:123456789012:table/${tableName}/stream/2026-11-23T00:00:00.000`,
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
        Keys: { taskId: change.new.taskId! },
        OldImage: change.old,
        NewImage: change.new,
        SequenceNumber: String(1000 + i),
        SizeBytes: 100,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    })),
  } as DynamoDBStreamEvent;
}

type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** A running local portal: the built page and the API on one origin. */
export interface LocalPortal {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Requests the API received (method and path), in order. */
  readonly requests: string[];
  stop(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
};

function claimsFromToken(authorization: string | undefined): Record<string, string> | undefined {
  const payload = authorization?.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) return undefined;
    const groups = claims['cognito:groups'];
    const text = (value: unknown) => (typeof value === 'string' ? value : '');
    return {
      sub: text(claims.sub),
      email: text(claims.email),
      iss: text(claims.iss),
      'cognito:groups': Array.isArray(groups) ? groups.join(',') : text(groups),
    };
  } catch {
    return undefined;
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Serve a built review page (`webDir`) and the review API on one loopback origin: `/api/<route>` is routed by the
 * same route table the construct builds API Gateway from (contract.ts `REVIEW_ROUTES`) to the REAL handler modules,
 * with the bearer token's claims as the Cognito authorizer claims (a missing or expired token gets API Gateway's 401).
 * `config.json` is generated like the deploy-time one, pointing the page at `/api`.
 */
export async function startLocalPortal(webDir: string): Promise<LocalPortal> {
  const handlers = new Map<string, ApiHandler>();
  for (const route of REVIEW_ROUTES) {
    const mod = (await import(`../../lambdas/review-portal/${route.handler}`)) as { handler: ApiHandler };
    handlers.set(route.handler, mod.handler);
  }
  const routes = REVIEW_ROUTES.map((route) => ({
    route,
    pattern: new RegExp(`^/api${route.path.replace(/\{(\w+)\}/g, '(?<$1>[^/]+)')}$`),
  }));
  const requests: string[] = [];
  let origin = '';

  const serve = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', origin);
    const method = request.method ?? 'GET';
    if (url.pathname.startsWith('/api/')) {
      requests.push(`${method} ${url.pathname}`);
      const match = routes.find((r) => r.route.method === method && r.pattern.test(url.pathname));
      if (!match) {
        response
          .writeHead(404, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ message: 'Missing Authentication Token' }));
        return;
      }
      const claims = claimsFromToken(request.headers.authorization);
      if (!claims) {
        response
          .writeHead(401, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ message: 'Unauthorized' }));
        return;
      }
      const body = await readBody(request);
      const event = apiEvent({
        method,
        resource: match.route.path,
        path: url.pathname.slice('/api'.length),
        claims,
        pathParameters: { ...match.pattern.exec(url.pathname)?.groups },
        body: body === '' ? undefined : body,
        headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)])),
      });
      const result = await handlers.get(match.route.handler)!(event, lambdaContext());
      response.writeHead(result.statusCode, result.headers as Record<string, string>).end(result.body);
      return;
    }
    if (url.pathname === '/config.json') {
      const config: WebConfig = { apiUrl: `${origin}/api` };
      response
        .writeHead(200, { 'Content-Type': CONTENT_TYPES['.json'], 'Cache-Control': 'no-cache' })
        .end(JSON.stringify(config));
      return;
    }
    const file = url.pathname === '/' ? 'index.html' : url.pathname.slice(1);
    if (!/^[\w.-]+$/.test(file)) {
      response.writeHead(404).end();
      return;
    }
    try {
      const content = await readFile(join(webDir, file));
      response
        .writeHead(200, { 'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' })
        .end(content);
    } catch {
      response.writeHead(404).end();
    }
  };

  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The API event of `POST /tasks/{taskId}/answers` by `user`. */
export function submitAnswersEvent(user: TestUser, taskId: string, answers: unknown): APIGatewayProxyEvent {
  return apiEvent({
    method: 'POST',
    resource: '/tasks/{taskId}/answers',
    path: `/tasks/${taskId}/answers`,
    user,
    pathParameters: { taskId },
    body: { answers },
  });
}
