import { type DeletePolicy } from '../contract';
import { type CiVariable, type CommitAction, type SeedFile, commitActions } from './seed';

/** A GitLab project as the check-in needs it. */
export interface GitLabProject {
  readonly id: number;
  readonly pathWithNamespace: string;
  readonly emptyRepo: boolean;
  readonly archived: boolean;
  readonly topics: readonly string[];
  readonly webUrl: string;
}

/** Options of a project to create. */
export interface NewProject {
  readonly name: string;
  readonly path: string;
  readonly namespaceId: number;
  readonly description: string;
  readonly topics: readonly string[];
  readonly defaultBranch: string;
}

/**
 * The GitLab operations the check-in uses (implemented on `@gitbeaker/rest` in `adapters/gitlab.ts`). Lookups return
 * `undefined` for 404; every other failure throws a `GitLabApiError`.
 */
export interface GitLabPort {
  /** `GET /projects/:url-encoded-full-path` */
  findProject(fullPath: string): Promise<GitLabProject | undefined>;
  /** `GET /namespaces/:url-encoded-full-path` */
  findNamespace(fullPath: string): Promise<{ id: number } | undefined>;
  /** `POST /projects`; throws `GitLabAlreadyExistsError` on "has already been taken". */
  createProject(project: NewProject): Promise<GitLabProject>;
  /** `POST /projects/:id/repository/commits` */
  commit(projectId: number, branch: string, message: string, actions: CommitAction[]): Promise<{ id: string }>;
  /** `POST /projects/:id/protected_branches`; resolves `false` when the branch was already protected. */
  protectBranch(projectId: number, branch: string): Promise<boolean>;
  /** `POST /projects/:id/variables`, or `PUT /projects/:id/variables/:key` when it already exists. */
  upsertVariable(projectId: number, variable: CiVariable): Promise<'created' | 'updated'>;
  /** `POST /projects/:id/archive` */
  archiveProject(projectId: number): Promise<void>;
  /** `DELETE /projects/:id` */
  deleteProject(projectId: number): Promise<void>;
}

/** A GitLab API call failed. The message carries GitLab's own error text and never the token. */
export class GitLabApiError extends Error {
  constructor(
    public readonly method: string,
    public readonly path: string,
    public readonly status: number,
    public readonly description: string,
  ) {
    super(`GitLab ${method} ${path} failed${status > 0 ? ` (HTTP ${status})` : ''}: ${description}`);
    this.name = 'GitLabApiError';
  }
}

/** GitLab answered "has already been taken" (a project or a variable exists). */
export class GitLabAlreadyExistsError extends GitLabApiError {
  constructor(method: string, path: string, status: number, description: string) {
    super(method, path, status, description);
    this.name = 'GitLabAlreadyExistsError';
  }
}

/** One repository to check in. */
export interface RepositoryRequest {
  /** Project name and path inside the group (`model-build`). */
  readonly name: string;
  readonly files: readonly SeedFile[];
  readonly variables: readonly CiVariable[];
}

/** Everything the check-in needs besides the port. */
export interface CheckInRequest {
  /** Group (namespace) full path, e.g. `ml/team-a`. */
  readonly groupPath: string;
  readonly branch: string;
  readonly projectName: string;
  readonly projectId: string;
  readonly repositories: readonly RepositoryRequest[];
}

/** What happened to one repository. */
export interface RepositoryOutcome {
  readonly fullPath: string;
  readonly projectId: number;
  readonly webUrl: string;
  readonly created: boolean;
  readonly seeded: boolean;
  readonly variables: number;
}

/** The GitLab topic that marks projects created for a SageMaker project (delete and archive touch only these). */
export function ownershipTopic(projectId: string): string {
  return `sagemaker-project-${projectId}`;
}

/** Full path of a repository of the group. */
export function fullPathOf(groupPath: string, name: string): string {
  return `${groupPath.replace(/^\/+|\/+$/g, '')}/${name}`;
}

/**
 * Create or reuse (looked up by full path) each project, commit the seed files in one commit when its repository is
 * empty, protect the branch, and set the CI/CD variables. Running it again changes nothing but variable values, so
 * CloudFormation Update and re-delivered Create are harmless; a non-empty repository (existing user code) is never
 * overwritten.
 */
export async function checkIn(port: GitLabPort, request: CheckInRequest): Promise<RepositoryOutcome[]> {
  const outcomes: RepositoryOutcome[] = [];
  for (const repository of request.repositories) {
    const fullPath = fullPathOf(request.groupPath, repository.name);
    let created = false;
    let project = await port.findProject(fullPath);
    if (!project) {
      const namespace = await port.findNamespace(request.groupPath);
      if (!namespace) {
        throw new GitLabApiError(
          'GET',
          `/namespaces/${request.groupPath}`,
          404,
          `group ${request.groupPath} not found (create it, and give the token's user the Maintainer role in it)`,
        );
      }
      try {
        project = await port.createProject({
          name: repository.name,
          path: repository.name,
          namespaceId: namespace.id,
          description: `SageMaker project ${request.projectName} (${request.projectId})`,
          topics: [ownershipTopic(request.projectId), 'sagemaker-mlops'],
          defaultBranch: request.branch,
        });
        created = true;
      } catch (error) {
        // Another check-in (a retry) created it between our lookup and our create: reuse it.
        if (!(error instanceof GitLabAlreadyExistsError)) throw error;
        project = await port.findProject(fullPath);
        if (!project) throw error;
      }
    }
    if (project.archived) {
      throw new GitLabApiError(
        'GET',
        `/projects/${fullPath}`,
        409,
        `project ${fullPath} is archived; unarchive it or choose another repository name`,
      );
    }
    let seeded = false;
    if (project.emptyRepo) {
      await port.commit(
        project.id,
        request.branch,
        `Seed code from SageMaker project ${request.projectName} (${request.projectId})`,
        commitActions(repository.files),
      );
      seeded = true;
    }
    await port.protectBranch(project.id, request.branch);
    for (const variable of repository.variables) await port.upsertVariable(project.id, variable);
    outcomes.push({
      fullPath,
      projectId: project.id,
      webUrl: project.webUrl,
      created,
      seeded,
      variables: repository.variables.length,
    });
  }
  return outcomes;
}

/** What happened to one project on delete. */
export interface RemovalOutcome {
  readonly fullPath: string;
  readonly action: 'retained' | 'archived' | 'deleted' | 'absent' | 'not-owned';
}

/**
 * Apply the delete policy: `retain` leaves the projects alone; `archive` archives and `delete` deletes the projects
 * this SageMaker project created (marked with its {@link ownershipTopic}). Projects that were reused (not created by
 * the template) are never archived or deleted; projects already gone are fine.
 */
export async function removeProjects(
  port: GitLabPort,
  request: Pick<CheckInRequest, 'groupPath' | 'projectId'> & { readonly names: readonly string[] },
  policy: DeletePolicy,
): Promise<RemovalOutcome[]> {
  const outcomes: RemovalOutcome[] = [];
  for (const name of request.names) {
    const fullPath = fullPathOf(request.groupPath, name);
    if (policy === 'retain') {
      outcomes.push({ fullPath, action: 'retained' });
      continue;
    }
    const project = await port.findProject(fullPath);
    if (!project) {
      outcomes.push({ fullPath, action: 'absent' });
    } else if (!project.topics.includes(ownershipTopic(request.projectId))) {
      outcomes.push({ fullPath, action: 'not-owned' });
    } else if (policy === 'archive') {
      if (!project.archived) await port.archiveProject(project.id);
      outcomes.push({ fullPath, action: 'archived' });
    } else {
      await port.deleteProject(project.id);
      outcomes.push({ fullPath, action: 'deleted' });
    }
  }
  return outcomes;
}
