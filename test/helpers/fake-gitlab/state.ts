import { createHash } from 'node:crypto';

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

/** A commit on a branch. */
export interface FakeCommit {
  readonly id: string;
  readonly branch: string;
  readonly message: string;
  readonly actions: Record<string, unknown>[];
}

/** A pipeline run. */
export interface FakePipeline {
  readonly id: number;
  readonly ref: string;
  readonly variables: { key: string; value: string }[];
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
  readonly commits: FakeCommit[];
  readonly protectedBranches: Set<string>;
  readonly variables: Map<string, FakeVariable>;
  readonly pipelines: FakePipeline[];
}

/** A stable commit id for a seed. */
export function sha(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}

/** What the fake GitLab holds: groups and projects (deleted ones stay, marked), and the id sequence they share. */
export class GitLabState {
  public readonly groups = new Map<string, FakeGroup>();
  public readonly projects = new Map<number, FakeProject>();
  private nextIdValue = 100;

  /** The next id (groups, projects, pipelines and protected branches share one sequence, as tests expect). */
  public nextId(): number {
    return this.nextIdValue++;
  }

  /** Create a group (and its parents) by full path. */
  public addGroup(fullPath: string): FakeGroup {
    const existing = this.groups.get(fullPath);
    if (existing) return existing;
    const parts = fullPath.split('/');
    const parent = parts.length > 1 ? this.addGroup(parts.slice(0, -1).join('/')) : undefined;
    const group: FakeGroup = {
      id: this.nextId(),
      fullPath,
      path: parts[parts.length - 1]!,
      parentId: parent?.id ?? null,
    };
    this.groups.set(fullPath, group);
    return group;
  }

  /** A group by full path or numeric id. */
  public group(idOrPath: string): FakeGroup | undefined {
    return this.groups.get(idOrPath) ?? [...this.groups.values()].find((g) => String(g.id) === idOrPath);
  }

  /** A group by numeric id. */
  public groupById(id: number): FakeGroup | undefined {
    return [...this.groups.values()].find((g) => g.id === id);
  }

  /** Create an empty project in a group. */
  public newProject(
    group: FakeGroup,
    name: string,
    path: string,
    topics: string[],
    description: string,
    defaultBranch: string,
  ): FakeProject {
    const project: FakeProject = {
      id: this.nextId(),
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

  /** Create a project directly (as if a user had made it), optionally with files on `main`. */
  public addProject(
    fullPath: string,
    options: { files?: Record<string, string | Buffer>; topics?: string[] } = {},
  ): FakeProject {
    const slash = fullPath.lastIndexOf('/');
    const group = this.addGroup(fullPath.slice(0, slash));
    const name = fullPath.slice(slash + 1);
    const project = this.newProject(group, name, name, options.topics ?? [], '', 'main');
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

  /** A live (not deleted) project by numeric id or full path, as the API addresses it. */
  public liveProject(id: string): FakeProject | undefined {
    const live = [...this.projects.values()].filter((p) => !p.deleted);
    return /^\d+$/.test(id) ? live.find((p) => p.id === Number(id)) : live.find((p) => p.fullPath === id);
  }
}
