import { type GitLabState, type FakeGroup, type FakeProject, type FakeVariable } from './state';

/** GitLab's JSON of a namespace (`GET /namespaces/:id`). */
export function namespaceView(baseUrl: string, group: FakeGroup): Record<string, unknown> {
  return {
    id: group.id,
    name: group.path,
    path: group.path,
    kind: 'group',
    full_path: group.fullPath,
    parent_id: group.parentId,
    web_url: `${baseUrl}/groups/${group.fullPath}`,
  };
}

/** GitLab's JSON of a project (`GET /projects/:id`, and the answer of create and archive). */
export function projectView(baseUrl: string, state: GitLabState, p: FakeProject): Record<string, unknown> {
  const group = state.groupById(p.namespaceId)!;
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
    web_url: `${baseUrl}/${p.fullPath}`,
    http_url_to_repo: `${baseUrl}/${p.fullPath}.git`,
    created_at: '2026-11-23T10:00:00.000Z',
  };
}

/** GitLab's JSON of a CI/CD variable. */
export function variableView(v: FakeVariable): Record<string, unknown> {
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

/** GitLab's JSON of a repository file (`GET /projects/:id/repository/files/:path`). */
export function fileView(
  path: string,
  ref: string,
  file: { readonly data: Buffer; readonly executable: boolean },
): Record<string, unknown> {
  return {
    file_name: path.split('/').pop(),
    file_path: path,
    size: file.data.length,
    encoding: 'base64',
    content: file.data.toString('base64'),
    ref,
    execute_filemode: file.executable,
  };
}

/** GitLab's JSON of a new commit (`POST /projects/:id/repository/commits`). */
export function commitView(
  baseUrl: string,
  project: FakeProject,
  id: string,
  message: string,
): Record<string, unknown> {
  return {
    id,
    short_id: id.slice(0, 8),
    title: message.split('\n')[0],
    message,
    parent_ids: [],
    web_url: `${baseUrl}/${project.fullPath}/-/commit/${id}`,
  };
}

/** GitLab's JSON of a new pipeline (`POST /projects/:id/pipeline`). */
export function pipelineView(
  baseUrl: string,
  project: FakeProject,
  pipeline: { readonly id: number; readonly ref: string },
): Record<string, unknown> {
  return {
    id: pipeline.id,
    iid: project.pipelines.length,
    project_id: project.id,
    status: 'created',
    ref: pipeline.ref,
    sha: project.commits.at(-1)?.id,
    source: 'api',
    web_url: `${baseUrl}/${project.fullPath}/-/pipelines/${pipeline.id}`,
  };
}
