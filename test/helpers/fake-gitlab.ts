import { createHash } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { type AddressInfo } from 'node:net';

/**
 * A fake GitLab REST API v4 on 127.0.0.1, written from GitLab's API documentation (Projects, Namespaces, Commits,
 * Repository files, Protected branches, Project-level CI/CD variables, Pipelines). It keeps state in memory and
 * answers with GitLab's documented status codes and error bodies:
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
  private readonly groups = new Map<string, FakeGroup>();
  private readonly projects = new Map<number, FakeProject>();
  private readonly faults: Fault[] = [];
  private nextId = 100;

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
    const existing = this.groups.get(fullPath);
    if (existing) return existing;
    const parts = fullPath.split('/');
    const parent = parts.length > 1 ? this.addGroup(parts.slice(0, -1).join('/')) : undefined;
    const group: FakeGroup = {
      id: this.nextId++,
      fullPath,
      path: parts[parts.length - 1]!,
      parentId: parent?.id ?? null,
    };
    this.groups.set(fullPath, group);
    return group;
  }

  /** Create a project directly (as if a user had made it), optionally with files on `main`. */
  public addProject(
    fullPath: string,
    options: { files?: Record<string, string | Buffer>; topics?: string[] } = {},
  ): FakeProject {
    const slash = fullPath.lastIndexOf('/');
    const group = this.addGroup(fullPath.slice(0, slash));
    const project = this.newProject(
      group,
      fullPath.slice(slash + 1),
      fullPath.slice(slash + 1),
      options.topics ?? [],
      '',
      'main',
    );
    if (options.files) {
      const files = new Map(
        Object.entries(options.files).map(([path, data]) => [path, { data: Buffer.from(data), executable: false }]),
      );
      project.branches.set('main', files);
      project.commits.push({ id: sha(`${fullPath}-initial`), branch: 'main', message: 'Initial commit', actions: [] });
    }
    return project;
  }

  /** A project by full path (including deleted ones, which have `deleted: true`), or undefined. */
  public project(fullPath: string): FakeProject | undefined {
    return [...this.projects.values()].find((p) => p.fullPath === fullPath);
  }

  /** The next request matching method and path (a regular expression on the decoded path) fails with this answer. */
  public failNext(method: string, path: RegExp, status: number, body: unknown): void {
    this.faults.push({ method, path, status, body });
  }

  /** Requests whose decoded path matches, optionally of one method. */
  public requestsTo(path: RegExp, method?: string): RecordedRequest[] {
    return this.requests.filter((r) => path.test(r.path) && (method === undefined || r.method === method));
  }

  private newProject(
    group: FakeGroup,
    name: string,
    path: string,
    topics: string[],
    description: string,
    defaultBranch: string,
  ): FakeProject {
    const project: FakeProject = {
      id: this.nextId++,
      name,
      path,
      fullPath: `${group.fullPath}/${path}`,
      namespaceId: group.id,
      description,
      topics,
      defaultBranch,
      archived: false,
      deleted: false,
      branches: new Map(),
      commits: [],
      protectedBranches: new Set(),
      variables: new Map(),
      pipelines: [],
    };
    this.projects.set(project.id, project);
    return project;
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
      const [answer, status, payload, contentType] = this.route(method, segments.slice(2), body, url.searchParams);
      if (answer === 'raw') return sendRaw(res, status, payload, contentType ?? 'text/plain');
      return send(res, status, payload);
    } catch (error) {
      return send(res, 500, { message: `500 Internal Server Error: ${(error as Error).message}` });
    }
  }

  private route(method: string, s: string[], body: Record<string, unknown>, query: URLSearchParams): Answer {
    const [resource, id, sub, ...rest] = s;
    if (resource === 'namespaces' && id !== undefined && sub === undefined && method === 'GET') {
      const group = this.groups.get(id) ?? [...this.groups.values()].find((g) => String(g.id) === id);
      if (!group) return json(404, { message: '404 Namespace Not Found' });
      return json(200, {
        id: group.id,
        name: group.path,
        path: group.path,
        kind: 'group',
        full_path: group.fullPath,
        parent_id: group.parentId,
        web_url: `${this.url}/groups/${group.fullPath}`,
      });
    }
    if (resource !== 'projects') return json(404, { error: '404 Not Found' });
    if (id === undefined) {
      if (method === 'POST') return this.createProject(body);
      return json(404, { error: '404 Not Found' });
    }
    const project = this.findProject(id);
    if (!project) return json(404, { message: '404 Project Not Found' });
    if (sub === undefined) {
      if (method === 'GET') return json(200, this.projectJson(project));
      if (method === 'DELETE') {
        project.deleted = true;
        return json(202, { message: '202 Accepted' });
      }
      return json(405, { error: '405 Method Not Allowed' });
    }
    if (sub === 'archive' && method === 'POST') {
      project.archived = true;
      return json(201, this.projectJson(project));
    }
    if (project.archived && method !== 'GET') return json(403, { message: '403 Forbidden - Project is archived' });
    if (sub === 'repository' && rest[0] === 'commits' && rest.length === 1 && method === 'POST')
      return this.commit(project, body);
    if (sub === 'repository' && rest[0] === 'files' && rest[1] !== undefined && method === 'GET') {
      const files = project.branches.get(query.get('ref') ?? project.defaultBranch);
      const file = files?.get(rest[1]);
      if (!file) return json(404, { message: '404 File Not Found' });
      if (rest[2] === 'raw') return ['raw', 200, file.data, 'text/plain; charset=utf-8'];
      return json(200, {
        file_name: rest[1].split('/').pop(),
        file_path: rest[1],
        size: file.data.length,
        encoding: 'base64',
        content: file.data.toString('base64'),
        ref: query.get('ref') ?? project.defaultBranch,
        execute_filemode: file.executable,
      });
    }
    if (sub === 'protected_branches' && rest.length === 0 && method === 'POST') {
      const name = text(body.name, '');
      if (project.protectedBranches.has(name))
        return json(409, { message: `Protected branch '${name}' already exists` });
      project.protectedBranches.add(name);
      return json(201, {
        id: this.nextId++,
        name,
        push_access_levels: [{ access_level: body.push_access_level ?? 40 }],
        merge_access_levels: [{ access_level: body.merge_access_level ?? 40 }],
      });
    }
    if (sub === 'variables') return this.variables(project, method, rest[0], body);
    if (sub === 'pipeline' && method === 'POST') {
      const ref = text(body.ref, '');
      if (!project.branches.has(ref)) return json(400, { message: { base: ['Reference not found'] } });
      const pipeline = {
        id: this.nextId++,
        ref,
        variables: (body.variables as { key: string; value: string }[] | undefined) ?? [],
      };
      project.pipelines.push(pipeline);
      return json(201, {
        id: pipeline.id,
        iid: project.pipelines.length,
        project_id: project.id,
        status: 'created',
        ref,
        sha: project.commits.at(-1)?.id,
        source: 'api',
        web_url: `${this.url}/${project.fullPath}/-/pipelines/${pipeline.id}`,
      });
    }
    return json(404, { error: '404 Not Found' });
  }

  private findProject(id: string): FakeProject | undefined {
    const live = [...this.projects.values()].filter((p) => !p.deleted);
    return /^\d+$/.test(id) ? live.find((p) => p.id === Number(id)) : live.find((p) => p.fullPath === id);
  }

  private createProject(body: Record<string, unknown>): Answer {
    const name = typeof body.name === 'string' ? body.name : undefined;
    const path = typeof body.path === 'string' ? body.path : name;
    if (!name && !path) return json(400, { error: 'name, path are missing, at least one parameter must be provided' });
    const group = [...this.groups.values()].find((g) => g.id === Number(body.namespace_id));
    if (!group) return json(404, { message: '404 Namespace Not Found' });
    const taken = [...this.projects.values()].filter((p) => !p.deleted && p.namespaceId === group.id);
    const errors: Record<string, string[]> = {};
    if (taken.some((p) => p.name === (name ?? path))) errors.name = ['has already been taken'];
    if (taken.some((p) => p.path === path)) errors.path = ['has already been taken'];
    if (Object.keys(errors).length > 0)
      return json(400, { message: { 'project_namespace.name': ['has already been taken'], ...errors } });
    const topics = Array.isArray(body.topics) ? body.topics.map(String) : [];
    const project = this.newProject(
      group,
      (name ?? path)!,
      path!,
      topics,
      text(body.description, ''),
      text(body.default_branch, 'main'),
    );
    return json(201, this.projectJson(project));
  }

  private commit(project: FakeProject, body: Record<string, unknown>): Answer {
    const branch = text(body.branch, '');
    const actions = Array.isArray(body.actions) ? (body.actions as Record<string, unknown>[]) : [];
    if (!branch) return json(400, { error: 'branch is missing' });
    if (typeof body.commit_message !== 'string' || body.commit_message === '')
      return json(400, { error: 'commit_message is missing' });
    let files = project.branches.get(branch);
    if (!files) {
      const start = typeof body.start_branch === 'string' ? project.branches.get(body.start_branch) : undefined;
      if (project.branches.size > 0 && !start)
        return json(400, { message: 'You can only create or edit files when you are on a branch' });
      files = new Map(start ?? []);
    } else {
      files = new Map(files);
    }
    for (const [index, action] of actions.entries()) {
      const filePath = typeof action.file_path === 'string' ? action.file_path : undefined;
      if (!filePath) return json(400, { error: `actions[${index}][file_path] is missing` });
      const content = (): Buffer => {
        const text = typeof action.content === 'string' ? action.content : '';
        if (action.encoding === 'base64') return Buffer.from(text, 'base64');
        if (action.encoding !== undefined && action.encoding !== 'text')
          throw new Error(`actions[${index}][encoding] does not have a valid value`);
        return Buffer.from(text, 'utf8');
      };
      switch (action.action) {
        case 'create':
          if (files.has(filePath)) return json(400, { message: 'A file with this name already exists' });
          files.set(filePath, { data: content(), executable: false });
          break;
        case 'update':
          if (!files.has(filePath)) return json(400, { message: "A file with this name doesn't exist" });
          files.set(filePath, { data: content(), executable: files.get(filePath)!.executable });
          break;
        case 'delete':
          if (!files.delete(filePath)) return json(400, { message: "A file with this name doesn't exist" });
          break;
        case 'chmod': {
          const file = files.get(filePath);
          if (!file) return json(400, { message: "A file with this name doesn't exist" });
          files.set(filePath, { ...file, executable: action.execute_filemode === true });
          break;
        }
        default:
          return json(400, { error: `actions[${index}][action] does not have a valid value` });
      }
    }
    project.branches.set(branch, files);
    const id = sha(`${project.id}-${project.commits.length}-${String(body.commit_message)}`);
    project.commits.push({ id, branch, message: String(body.commit_message), actions });
    return json(201, {
      id,
      short_id: id.slice(0, 8),
      title: String(body.commit_message).split('\n')[0],
      message: body.commit_message,
      parent_ids: [],
      web_url: `${this.url}/${project.fullPath}/-/commit/${id}`,
    });
  }

  private variables(
    project: FakeProject,
    method: string,
    key: string | undefined,
    body: Record<string, unknown>,
  ): Answer {
    if (key === undefined && method === 'GET') return json(200, [...project.variables.values()].map(variableJson));
    if (key === undefined && method === 'POST') {
      const newKey = text(body.key, '');
      if (!/^[A-Za-z0-9_]{1,255}$/.test(newKey))
        return json(400, { message: { key: ["can contain only letters, digits and '_'."] } });
      if (project.variables.has(newKey)) return json(400, { message: { key: [`(${newKey}) has already been taken`] } });
      const variable = toVariable(newKey, body);
      if (variable.masked && !maskable(variable.value)) return json(400, { message: { value: ['is invalid'] } });
      project.variables.set(newKey, variable);
      return json(201, variableJson(variable));
    }
    if (key === undefined) return json(405, { error: '405 Method Not Allowed' });
    const existing = project.variables.get(key);
    if (!existing) return json(404, { message: '404 Variable Not Found' });
    if (method === 'GET') return json(200, variableJson(existing));
    if (method === 'PUT') {
      const variable = toVariable(key, { ...variableJson(existing), ...body });
      if (variable.masked && !maskable(variable.value)) return json(400, { message: { value: ['is invalid'] } });
      project.variables.set(key, variable);
      return json(200, variableJson(variable));
    }
    if (method === 'DELETE') {
      project.variables.delete(key);
      return json(204, null);
    }
    return json(405, { error: '405 Method Not Allowed' });
  }

  private projectJson(p: FakeProject): Record<string, unknown> {
    const group = [...this.groups.values()].find((g) => g.id === p.namespaceId)!;
    return {
      id: p.id,
      name: p.name,
      path: p.path,
      path_with_namespace: p.fullPath,
      name_with_namespace: p.fullPath.split('/').join(' / '),
      description: p.description,
      default_branch: p.branches.size > 0 ? p.defaultBranch : null,
      visibility: 'private',
      empty_repo: p.branches.size === 0,
      archived: p.archived,
      topics: p.topics,
      tag_list: p.topics,
      namespace: { id: group.id, name: group.path, path: group.path, kind: 'group', full_path: group.fullPath },
      web_url: `${this.url}/${p.fullPath}`,
      http_url_to_repo: `${this.url}/${p.fullPath}.git`,
      created_at: '2026-11-23T10:00:00.000Z',
    };
  }
}

/** A recorded request. */
export interface RecordedRequest {
  readonly method: string;
  /** Decoded path, e.g. `/api/v4/projects/ml/team/model-build` for `/api/v4/projects/ml%2Fteam%2Fmodel-build`. */
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Record<string, unknown>;
  readonly query: Record<string, string>;
}

/** A group of the fake server. */
export interface FakeGroup {
  readonly id: number;
  readonly fullPath: string;
  readonly path: string;
  readonly parentId: number | null;
}

/** A file in a branch. */
export interface FakeFile {
  readonly data: Buffer;
  readonly executable: boolean;
}

/** A CI/CD variable. */
export interface FakeVariable {
  readonly key: string;
  readonly value: string;
  readonly masked: boolean;
  readonly protected: boolean;
  readonly raw: boolean;
  readonly variableType: string;
  readonly environmentScope: string;
}

/** A project of the fake server (mutable state, for assertions). */
export interface FakeProject {
  readonly id: number;
  readonly name: string;
  readonly path: string;
  readonly fullPath: string;
  readonly namespaceId: number;
  readonly description: string;
  readonly topics: string[];
  readonly defaultBranch: string;
  archived: boolean;
  deleted: boolean;
  readonly branches: Map<string, Map<string, FakeFile>>;
  readonly commits: { id: string; branch: string; message: string; actions: Record<string, unknown>[] }[];
  readonly protectedBranches: Set<string>;
  readonly variables: Map<string, FakeVariable>;
  readonly pipelines: { id: number; ref: string; variables: { key: string; value: string }[] }[];
}

interface Fault {
  readonly method: string;
  readonly path: RegExp;
  readonly status: number;
  readonly body: unknown;
}

type Answer = ['json', number, unknown] | ['raw', number, Buffer, string];

function json(status: number, payload: unknown): Answer {
  return ['json', status, payload];
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

/** A request parameter as text (GitLab parameters are scalars; anything else is treated as missing). */
function text(value: unknown, fallback = ''): string {
  return typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : fallback;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function sha(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}

function toVariable(key: string, body: Record<string, unknown>): FakeVariable {
  return {
    key,
    value: text(body.value, ''),
    masked: body.masked === true,
    protected: body.protected === true,
    raw: body.raw === true,
    variableType: text(body.variable_type, 'env_var'),
    environmentScope: text(body.environment_scope, '*'),
  };
}

function variableJson(v: FakeVariable): Record<string, unknown> {
  return {
    key: v.key,
    value: v.value,
    masked: v.masked,
    protected: v.protected,
    raw: v.raw,
    variable_type: v.variableType,
    environment_scope: v.environmentScope,
  };
}

/** GitLab's masking requirements: one line, 8+ characters of the Base64 alphabet plus `@ : . ~ - _`. */
function maskable(value: string): boolean {
  return /^[A-Za-z0-9+/=@:.~_-]{8,}$/.test(value);
}
