import { SEED_FOLDERS } from '../contract';
import { type ZipEntry } from './zip';

/** A file to commit to a repository. */
export interface SeedFile {
  /** Path inside the repository. */
  readonly path: string;
  /** The file's bytes. */
  readonly data: Buffer;
  /** Commit the executable bit (scripts). */
  readonly executable: boolean;
}

/** The seed files of both repositories. */
export interface SeedRepositories {
  readonly build: SeedFile[];
  readonly deploy: SeedFile[];
}

/** One action of a GitLab `POST /projects/:id/repository/commits` request (gitbeaker field names). */
export interface CommitAction {
  action: 'create' | 'chmod';
  filePath: string;
  content?: string;
  encoding?: 'text' | 'base64';
  execute_filemode?: boolean;
}

/**
 * Split the seed archive into the two repositories' files: `model-build/**` and `model-deploy/**`, prefixes removed,
 * sorted by path. Other entries are ignored.
 *
 * @throws Error when either repository has no files (a broken archive would otherwise create empty projects)
 */
export function splitSeedArchive(entries: readonly ZipEntry[]): SeedRepositories {
  const pick = (prefix: string): SeedFile[] =>
    entries
      .filter((e) => e.path.startsWith(prefix) && e.path.length > prefix.length)
      .map((e) => ({
        path: e.path.slice(prefix.length),
        data: e.data,
        executable: e.mode !== undefined && (e.mode & 0o111) !== 0,
      }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const build = pick(SEED_FOLDERS.build);
  const deploy = pick(SEED_FOLDERS.deploy);
  for (const [name, files] of [
    ['model-build', build],
    ['model-deploy', deploy],
  ] as const) {
    if (files.length === 0) throw new Error(`The seed archive has no ${name}/ files`);
  }
  return { build, deploy };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** True when the bytes are valid UTF-8 text without NUL bytes (safe to send with `encoding: text`). */
export function isText(data: Buffer): boolean {
  if (data.includes(0)) return false;
  try {
    utf8.decode(data);
    return true;
  } catch {
    return false;
  }
}

/**
 * Commit actions that create every seed file in one commit: text files as text, everything else base64-encoded
 * (byte-identical in the repository), and a `chmod` action for each executable file.
 */
export function commitActions(files: readonly SeedFile[]): CommitAction[] {
  const actions: CommitAction[] = [];
  for (const file of files) {
    actions.push(
      isText(file.data)
        ? { action: 'create', filePath: file.path, content: file.data.toString('utf8'), encoding: 'text' }
        : { action: 'create', filePath: file.path, content: file.data.toString('base64'), encoding: 'base64' },
    );
  }
  for (const file of files) {
    if (file.executable) actions.push({ action: 'chmod', filePath: file.path, execute_filemode: true });
  }
  return actions;
}

/** A CI/CD variable to set on a project. */
export interface CiVariable {
  readonly key: string;
  readonly value: string;
  /** Hidden in job logs. */
  readonly masked: boolean;
  /** Only exported to pipelines on protected branches and tags. */
  readonly protected: boolean;
}

/** Variables that must never be set: the pipelines get AWS credentials through OIDC only. */
export const FORBIDDEN_VARIABLES: readonly string[] = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
];

/**
 * GitLab masks a value only if it is one line of at least 8 characters from the Base64 alphabet plus `@ : . ~ - _`
 * (GitLab "Mask a CI/CD variable" requirements).
 */
export function canMask(value: string): boolean {
  return /^[A-Za-z0-9+/=@:.~_-]{8,}$/.test(value);
}

/**
 * The CI/CD variables to set, with their flags: role ARNs (they reveal the account and name a privileged role) are
 * masked and protected, the rest plain. Variable keys must be valid GitLab keys.
 *
 * @throws Error naming the variable when a key is invalid or forbidden, or a value that must be masked cannot be
 */
export function planVariables(values: Readonly<Record<string, string>>): CiVariable[] {
  return Object.entries(values)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => {
      if (!/^[A-Za-z0-9_]{1,255}$/.test(key))
        throw new Error(`CI/CD variable key ${JSON.stringify(key)} is invalid: use letters, digits and _`);
      if (FORBIDDEN_VARIABLES.includes(key)) {
        throw new Error(
          `CI/CD variable ${key} is refused: pipelines obtain AWS credentials through OIDC, never from stored keys`,
        );
      }
      const sensitive = key.endsWith('_ROLE_ARN');
      if (sensitive && !canMask(value)) {
        throw new Error(
          `CI/CD variable ${key} must be masked but its value cannot be masked by GitLab (one line, 8+ characters of A-Z a-z 0-9 + / = @ : . ~ - _)`,
        );
      }
      return { key, value, masked: sensitive, protected: sensitive };
    });
}
