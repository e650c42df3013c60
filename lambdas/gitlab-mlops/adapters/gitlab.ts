import { Gitlab, GitbeakerRequestError } from '@gitbeaker/rest';
import {
  type GitLabPort,
  type GitLabProject,
  type NewProject,
  GitLabAlreadyExistsError,
  GitLabApiError,
} from '../core/check-in';
import { type CiVariable, type CommitAction } from '../core/seed';
import { redact } from '../core/token';

/** A pipeline GitLab started. */
export interface StartedPipeline {
  readonly id: number;
  readonly webUrl: string;
}

/** The GitLab operations of both handlers, on `@gitbeaker/rest` (which calls the global `fetch`). */
export interface GitLabClient extends GitLabPort {
  /** `POST /projects/:url-encoded-full-path/pipeline` with variables. */
  runPipeline(projectPath: string, ref: string, variables: Readonly<Record<string, string>>): Promise<StartedPipeline>;
}

/** Maintainer access level (GitLab `access_level` 40). */
const MAINTAINER = 40;

/**
 * A {@link GitLabClient} for one server and token. Every failure becomes a `GitLabApiError` carrying GitLab's own
 * message; the token (sent in the `PRIVATE-TOKEN` header) never appears in an error or a log line.
 *
 * @param timeoutMs per-request timeout
 */
export function createGitLabClient(host: string, token: string, timeoutMs = 20_000): GitLabClient {
  const api = new Gitlab({ host: host.replace(/\/+$/, ''), token, queryTimeout: timeoutMs });
  const call = async <T>(method: string, path: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw toApiError(error, method, path, token);
    }
  };
  const orUndefinedOn404 = async <T>(method: string, path: string, run: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await call(method, path, run);
    } catch (error) {
      if (error instanceof GitLabApiError && error.status === 404) return undefined;
      throw error;
    }
  };

  return {
    findProject: (fullPath) =>
      orUndefinedOn404('GET', `/projects/${fullPath}`, async () => toProject(await api.Projects.show(fullPath))),

    findNamespace: (fullPath) =>
      orUndefinedOn404('GET', `/namespaces/${fullPath}`, async () => {
        const namespace = await api.Namespaces.show(fullPath);
        return { id: Number(namespace.id) };
      }),

    createProject: (project: NewProject) =>
      call('POST', '/projects', async () =>
        toProject(
          await api.Projects.create({
            name: project.name,
            path: project.path,
            namespaceId: project.namespaceId,
            description: project.description,
            topics: [...project.topics],
            defaultBranch: project.defaultBranch,
            visibility: 'private',
            initializeWithReadme: false,
          }),
        ),
      ),

    commit: (projectId, branch, message, actions: CommitAction[]) =>
      call('POST', `/projects/${projectId}/repository/commits`, async () => {
        const commit = await api.Commits.create(projectId, branch, message, actions);
        return { id: String(commit.id) };
      }),

    protectBranch: async (projectId, branch) => {
      try {
        await call('POST', `/projects/${projectId}/protected_branches`, () =>
          api.ProtectedBranches.protect(projectId, branch, {
            pushAccessLevel: MAINTAINER,
            mergeAccessLevel: MAINTAINER,
          }),
        );
        return true;
      } catch (error) {
        // GitLab answers 409 "Protected branch '<name>' already exists".
        if (error instanceof GitLabApiError && error.status === 409) return false;
        throw error;
      }
    },

    upsertVariable: async (projectId, variable: CiVariable) => {
      const options = { masked: variable.masked, protected: variable.protected, raw: true };
      try {
        await call('POST', `/projects/${projectId}/variables`, () =>
          api.ProjectVariables.create(projectId, variable.key, variable.value, options),
        );
        return 'created';
      } catch (error) {
        if (!(error instanceof GitLabAlreadyExistsError)) throw error;
      }
      await call('PUT', `/projects/${projectId}/variables/${variable.key}`, () =>
        api.ProjectVariables.edit(projectId, variable.key, variable.value, {
          ...options,
          filter: { environment_scope: '*' },
        }),
      );
      return 'updated';
    },

    archiveProject: async (projectId) => {
      await orUndefinedOn404('POST', `/projects/${projectId}/archive`, () => api.Projects.archive(projectId));
    },

    deleteProject: async (projectId) => {
      await orUndefinedOn404('DELETE', `/projects/${projectId}`, () => api.Projects.remove(projectId));
    },

    runPipeline: (projectPath, ref, variables) =>
      call('POST', `/projects/${projectPath}/pipeline`, async () => {
        const pipeline = await api.Pipelines.create(projectPath, ref, {
          variables: Object.entries(variables).map(([key, value]) => ({ key, value, variable_type: 'env_var' })),
        });
        return { id: Number(pipeline.id), webUrl: String(pipeline.web_url) };
      }),
  };
}

function toProject(raw: Record<string, unknown>): GitLabProject {
  return {
    id: Number(raw.id),
    pathWithNamespace: String(raw.path_with_namespace),
    emptyRepo: raw.empty_repo === true,
    archived: raw.archived === true,
    topics: Array.isArray(raw.topics)
      ? raw.topics.map(String)
      : Array.isArray(raw.tag_list)
        ? raw.tag_list.map(String)
        : [],
    webUrl: String(raw.web_url),
  };
}

/**
 * A `GitLabApiError` from whatever gitbeaker or `fetch` threw. gitbeaker's error keeps the `Request` (with the
 * `PRIVATE-TOKEN` header) in its `cause`; the new error keeps only the method, path, status and GitLab's message.
 */
function toApiError(error: unknown, method: string, path: string, token: string): GitLabApiError {
  if (error instanceof GitLabApiError) return error;
  if (error instanceof GitbeakerRequestError) {
    const cause = error.cause as { description?: unknown; response?: { status?: number } } | undefined;
    const status = cause?.response?.status ?? 0;
    const description = redact(
      typeof cause?.description === 'string' && cause.description !== '' ? cause.description : error.message,
      token,
    );
    return /has already been taken/i.test(description)
      ? new GitLabAlreadyExistsError(method, path, status, description)
      : new GitLabApiError(method, path, status, description);
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}${causeCode(error)}` : String(error);
  return new GitLabApiError(method, path, 0, redact(message, token));
}

function causeCode(error: Error): string {
  const cause = error.cause as { code?: unknown } | undefined;
  return cause !== undefined && typeof cause.code === 'string' ? ` (${cause.code})` : '';
}
