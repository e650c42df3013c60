import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { dispatch } from './routes';
import { type FakeGroup, type FakeProject, GitLabState } from './state';

export type { FakeFile, FakeGroup, FakeProject, FakeVariable } from './state';

/** A recorded request. */
export interface RecordedRequest {
  readonly method: string;
  /** Decoded path, e.g. `/api/v4/projects/ml/team/model-build` for `/api/v4/projects/ml%2Fteam%2Fmodel-build`. */
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Record<string, unknown>;
  readonly query: Record<string, string>;
}

interface Fault {
  readonly method: string;
  readonly path: RegExp;
  readonly status: number;
  readonly body: unknown;
}

/**
 * A fake GitLab REST API v4 on 127.0.0.1, written from GitLab's API documentation (Projects, Namespaces, Commits,
 * Repository files, Protected branches, Project-level CI/CD variables, Pipelines). It keeps state in memory
 * (`./state.ts`), answers from a route table (`./routes.ts`) with GitLab's JSON shapes (`./views.ts`) and its
 * documented status codes and error bodies:
 * - 401 `{"message":"401 Unauthorized"}` without a valid `PRIVATE-TOKEN` (or `Authorization: Bearer`) header;
 * - 404 `{"message":"404 Project Not Found"}` (and Namespace, File, Variable, Branch variants);
 * - 400 `{"message":{"name":["has already been taken"],"path":["has already been taken"]}}` for a duplicate project,
 *   `{"message":{"key":["(KEY) has already been taken"]}}` for a duplicate variable, `{"message":{"value":["is
 *   invalid"]}}` for a value that cannot be masked;
 * - 409 `{"message":"Protected branch 'main' already exists"}`.
 * Every request is recorded (method, decoded path, headers, body) so tests can assert what the client sent.
 */
export class FakeGitLab {
  /** `http://127.0.0.1:<port>` once started. */
  public url = '';
  /** Every request received, in order. */
  public readonly requests: RecordedRequest[] = [];

  private readonly server: Server;
  private readonly tokens: Set<string>;
  private readonly state = new GitLabState();
  private readonly faults: Fault[] = [];

  constructor(options: { tokens: string[] }) {
    this.tokens = new Set(options.tokens);
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
  }

  /** Listen on a free loopback port. */
  public async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Stop listening. */
  public async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Create a group (and its parents) by full path. */
  public addGroup(fullPath: string): FakeGroup {
    return this.state.addGroup(fullPath);
  }

  /** Create a project directly (as if a user had made it), optionally with files on `main`. */
  public addProject(
    fullPath: string,
    options: { files?: Record<string, string | Buffer>; topics?: string[] } = {},
  ): FakeProject {
    return this.state.addProject(fullPath, options);
  }

  /** A project by full path (including deleted ones, which have `deleted: true`), or undefined. */
  public project(fullPath: string): FakeProject | undefined {
    return this.state.project(fullPath);
  }

  /** The next request matching method and path (a regular expression on the decoded path) fails with this answer. */
  public failNext(method: string, path: RegExp, status: number, body: unknown): void {
    this.faults.push({ method, path, status, body });
  }

  /** Requests whose decoded path matches, optionally of one method. */
  public requestsTo(path: RegExp, method?: string): RecordedRequest[] {
    return this.requests.filter((r) => path.test(r.path) && (method === undefined || r.method === method));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://localhost');
    // Split the raw path first: an encoded slash (%2F) stays inside its segment, as GitLab expects for paths.
    const segments = url.pathname
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
    const method = req.method ?? 'GET';
    let body: Record<string, unknown> = {};
    if (raw !== '') {
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return send(res, 400, { error: 'body is not valid JSON' });
      }
    }
    // Like GitLab (Grape), parameters may come in the query string or the body; the body wins.
    if (method !== 'GET') body = { ...Object.fromEntries(url.searchParams), ...body };
    const path = `/${segments.join('/')}`;
    this.requests.push({
      method,
      path,
      headers: { ...req.headers },
      body,
      query: Object.fromEntries(url.searchParams),
    });

    if (segments[0] !== 'api' || segments[1] !== 'v4') return send(res, 404, { error: '404 Not Found' });
    const token =
      headerValue(req.headers['private-token']) ?? headerValue(req.headers.authorization)?.replace(/^Bearer /, '');
    if (token === undefined || !this.tokens.has(token)) return send(res, 401, { message: '401 Unauthorized' });
    const faultIndex = this.faults.findIndex((f) => f.method === method && f.path.test(path));
    if (faultIndex >= 0) {
      const [fault] = this.faults.splice(faultIndex, 1);
      return send(res, fault!.status, fault!.body);
    }
    try {
      const answer = dispatch(this.state, this.url, method, segments.slice(2), body, url.searchParams);
      if (answer[0] === 'raw') return sendRaw(res, answer[1], answer[2], answer[3]);
      return send(res, answer[1], answer[2]);
    } catch (error) {
      return send(res, 500, { message: `500 Internal Server Error: ${(error as Error).message}` });
    }
  }
}

function send(res: ServerResponse, status: number, payload: unknown): void {
  if (status === 204) {
    res.writeHead(204).end();
    return;
  }
  const text = JSON.stringify(payload);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
}

function sendRaw(res: ServerResponse, status: number, data: Buffer, contentType: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': data.length }).end(data);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
