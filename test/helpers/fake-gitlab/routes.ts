import { type FakeFile, type FakeProject, type FakeVariable, type GitLabState, sha } from './state';
import { commitView, fileView, namespaceView, pipelineView, projectView, variableView } from './views';

/** An answer: JSON with a status, or raw bytes with a content type. */
export type Answer = ['json', number, unknown] | ['raw', number, Buffer, string];

/** A JSON answer. */
export function json(status: number, payload: unknown): Answer {
  return ['json', status, payload];
}

/** What a route handler gets. */
export interface RouteContext {
  readonly state: GitLabState;
  /** `http://127.0.0.1:<port>`: the base of every `web_url`. */
  readonly baseUrl: string;
  readonly method: string;
  /** Path parameters by name (each one decoded segment: `%2F` stays inside its segment, as GitLab expects). */
  readonly params: Readonly<Record<string, string>>;
  /** Query and body parameters (the body wins, as in GitLab's Grape API). */
  readonly body: Record<string, unknown>;
  readonly query: URLSearchParams;
  /** The project of a `projects/:id/…` route (live, not deleted). */
  readonly project: FakeProject;
}

/** One route: a method (`*` for any other) and a path pattern below `/api/v4` (`:name` matches one segment). */
export interface Route {
  readonly method: string;
  readonly path: string;
  readonly handle: (context: RouteContext) => Answer;
}

const NOT_FOUND = json(404, { error: '404 Not Found' });
const METHOD_NOT_ALLOWED = json(405, { error: '405 Method Not Allowed' });

/**
 * The API the fake serves, from GitLab's REST API v4 documentation (Namespaces, Projects, Commits, Repository files,
 * Protected branches, Project-level CI/CD variables, Pipelines). Routes are tried in order; the first whose method and
 * path match answers. Under `projects/:id`, the project is looked up first (404 `Project Not Found`), and any write
 * below it except `archive` is refused on an archived project (403).
 */
export const ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: 'namespaces/:id',
    handle: ({ state, baseUrl, params }) => {
      const group = state.group(params.id!);
      return group ? json(200, namespaceView(baseUrl, group)) : json(404, { message: '404 Namespace Not Found' });
    },
  },
  { method: 'POST', path: 'projects', handle: createProject },
  { method: 'GET', path: 'projects/:id', handle: (c) => json(200, projectView(c.baseUrl, c.state, c.project)) },
  {
    method: 'DELETE',
    path: 'projects/:id',
    handle: ({ project }) => {
      project.deleted = true;
      return json(202, { message: '202 Accepted' });
    },
  },
  { method: '*', path: 'projects/:id', handle: () => METHOD_NOT_ALLOWED },
  {
    method: 'POST',
    path: 'projects/:id/archive',
    handle: ({ state, baseUrl, project }) => {
      project.archived = true;
      return json(201, projectView(baseUrl, state, project));
    },
  },
  { method: 'POST', path: 'projects/:id/repository/commits', handle: commit },
  {
    method: 'GET',
    path: 'projects/:id/repository/files/:file',
    handle: ({ project, params, query }) => {
      const ref = query.get('ref') ?? project.defaultBranch;
      const file = project.branches.get(ref)?.get(params.file!);
      return file ? json(200, fileView(params.file!, ref, file)) : json(404, { message: '404 File Not Found' });
    },
  },
  {
    method: 'GET',
    path: 'projects/:id/repository/files/:file/raw',
    handle: ({ project, params, query }) => {
      const file = project.branches.get(query.get('ref') ?? project.defaultBranch)?.get(params.file!);
      return file ? ['raw', 200, file.data, 'text/plain; charset=utf-8'] : json(404, { message: '404 File Not Found' });
    },
  },
  { method: 'POST', path: 'projects/:id/protected_branches', handle: protectBranch },
  {
    method: 'GET',
    path: 'projects/:id/variables',
    handle: ({ project }) => json(200, [...project.variables.values()].map(variableView)),
  },
  { method: 'POST', path: 'projects/:id/variables', handle: createVariable },
  { method: '*', path: 'projects/:id/variables', handle: () => METHOD_NOT_ALLOWED },
  { method: '*', path: 'projects/:id/variables/:key', handle: variable },
  { method: 'POST', path: 'projects/:id/pipeline', handle: runPipeline },
];

/**
 * Answer a request below `/api/v4` (`segments` without `api/v4`) from {@link ROUTES}: 404 `Project Not Found` for an
 * unknown project, 403 for a write below an archived project, 404 `Not Found` when no route matches.
 */
export function dispatch(
  state: GitLabState,
  baseUrl: string,
  method: string,
  segments: readonly string[],
  body: Record<string, unknown>,
  query: URLSearchParams,
): Answer {
  let project: FakeProject | undefined;
  if (segments[0] === 'projects' && segments[1] !== undefined) {
    project = state.liveProject(segments[1]);
    if (!project) return json(404, { message: '404 Project Not Found' });
    const sub = segments[2];
    if (sub !== undefined && !(sub === 'archive' && method === 'POST') && project.archived && method !== 'GET')
      return json(403, { message: '403 Forbidden - Project is archived' });
  }
  for (const route of ROUTES) {
    const params = match(route.path, segments);
    if (params === undefined || (route.method !== method && route.method !== '*')) continue;
    return route.handle({ state, baseUrl, method, params, body, query, project: project! });
  }
  return NOT_FOUND;
}

/** The parameters of a path pattern that matches the segments, or undefined. */
function match(pattern: string, segments: readonly string[]): Record<string, string> | undefined {
  const parts = pattern.split('/');
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    if (part.startsWith(':')) params[part.slice(1)] = segments[i]!;
    else if (part !== segments[i]) return undefined;
  }
  return params;
}

function createProject({ state, baseUrl, body }: RouteContext): Answer {
  const name = typeof body.name === 'string' ? body.name : undefined;
  const path = typeof body.path === 'string' ? body.path : name;
  if (!name && !path) return json(400, { error: 'name, path are missing, at least one parameter must be provided' });
  const group = state.groupById(Number(body.namespace_id));
  if (!group) return json(404, { message: '404 Namespace Not Found' });
  const taken = [...state.projects.values()].filter((p) => !p.deleted && p.namespaceId === group.id);
  const errors: Record<string, string[]> = {};
  if (taken.some((p) => p.name === (name ?? path))) errors.name = ['has already been taken'];
  if (taken.some((p) => p.path === path)) errors.path = ['has already been taken'];
  if (Object.keys(errors).length > 0)
    return json(400, { message: { 'project_namespace.name': ['has already been taken'], ...errors } });
  const topics = Array.isArray(body.topics) ? body.topics.map(String) : [];
  const project = state.newProject(
    group,
    (name ?? path)!,
    path!,
    topics,
    text(body.description, ''),
    text(body.default_branch, 'main'),
  );
  return json(201, projectView(baseUrl, state, project));
}

function commit({ baseUrl, project, body }: RouteContext): Answer {
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
    const refused = applyAction(files, action, index);
    if (refused) return refused;
  }
  project.branches.set(branch, files);
  const id = sha(`${project.id}-${project.commits.length}-${String(body.commit_message)}`);
  project.commits.push({ id, branch, message: String(body.commit_message), actions });
  return json(201, commitView(baseUrl, project, id, String(body.commit_message)));
}

/** Apply one commit action to a branch's files; an answer when GitLab would refuse the commit. */
function applyAction(files: Map<string, FakeFile>, action: Record<string, unknown>, index: number): Answer | undefined {
  const filePath = typeof action.file_path === 'string' ? action.file_path : undefined;
  if (!filePath) return json(400, { error: `actions[${index}][file_path] is missing` });
  const content = (): Buffer => {
    const value = typeof action.content === 'string' ? action.content : '';
    if (action.encoding === 'base64') return Buffer.from(value, 'base64');
    if (action.encoding !== undefined && action.encoding !== 'text')
      throw new Error(`actions[${index}][encoding] does not have a valid value`);
    return Buffer.from(value, 'utf8');
  };
  switch (action.action) {
    case 'create':
      if (files.has(filePath)) return json(400, { message: 'A file with this name already exists' });
      files.set(filePath, { data: content(), executable: false });
      return undefined;
    case 'update':
      if (!files.has(filePath)) return json(400, { message: "A file with this name doesn't exist" });
      files.set(filePath, { data: content(), executable: files.get(filePath)!.executable });
      return undefined;
    case 'delete':
      if (!files.delete(filePath)) return json(400, { message: "A file with this name doesn't exist" });
      return undefined;
    case 'chmod': {
      const file = files.get(filePath);
      if (!file) return json(400, { message: "A file with this name doesn't exist" });
      files.set(filePath, { ...file, executable: action.execute_filemode === true });
      return undefined;
    }
    default:
      return json(400, { error: `actions[${index}][action] does not have a valid value` });
  }
}

function protectBranch({ state, project, body }: RouteContext): Answer {
  const name = text(body.name, '');
  if (project.protectedBranches.has(name)) return json(409, { message: `Protected branch '${name}' already exists` });
  project.protectedBranches.add(name);
  return json(201, {
    id: state.nextId(),
    name,
    push_access_levels: [{ access_level: body.push_access_level ?? 40 }],
    merge_access_levels: [{ access_level: body.merge_access_level ?? 40 }],
  });
}

function createVariable({ project, body }: RouteContext): Answer {
  const key = text(body.key, '');
  if (!/^[A-Za-z0-9_]{1,255}$/.test(key))
    return json(400, { message: { key: ["can contain only letters, digits and '_'."] } });
  if (project.variables.has(key)) return json(400, { message: { key: [`(${key}) has already been taken`] } });
  const created = toVariable(key, body);
  if (created.masked && !maskable(created.value)) return json(400, { message: { value: ['is invalid'] } });
  project.variables.set(key, created);
  return json(201, variableView(created));
}

function variable({ method, project, params, body }: RouteContext): Answer {
  const key = params.key!;
  const existing = project.variables.get(key);
  if (!existing) return json(404, { message: '404 Variable Not Found' });
  if (method === 'GET') return json(200, variableView(existing));
  if (method === 'PUT') {
    const updated = toVariable(key, { ...variableView(existing), ...body });
    if (updated.masked && !maskable(updated.value)) return json(400, { message: { value: ['is invalid'] } });
    project.variables.set(key, updated);
    return json(200, variableView(updated));
  }
  if (method === 'DELETE') {
    project.variables.delete(key);
    return json(204, null);
  }
  return METHOD_NOT_ALLOWED;
}

function runPipeline({ state, baseUrl, project, body }: RouteContext): Answer {
  const ref = text(body.ref, '');
  if (!project.branches.has(ref)) return json(400, { message: { base: ['Reference not found'] } });
  const pipeline = {
    id: state.nextId(),
    ref,
    variables: (body.variables as { key: string; value: string }[] | undefined) ?? [],
  };
  project.pipelines.push(pipeline);
  return json(201, pipelineView(baseUrl, project, pipeline));
}

/** A request parameter as text (GitLab parameters are scalars; anything else is treated as missing). */
function text(value: unknown, fallback = ''): string {
  return typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : fallback;
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

/** GitLab's masking requirements: one line, 8+ characters of the Base64 alphabet plus `@ : . ~ - _`. */
function maskable(value: string): boolean {
  return /^[A-Za-z0-9+/=@:.~_-]{8,}$/.test(value);
}
