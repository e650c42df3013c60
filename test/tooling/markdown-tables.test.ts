import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../lib/shared/paths';

/** A table row with the wrong number of cells, as markdownlint's MD056 reports it. */
interface TableProblem {
  readonly name: string;
  readonly line: number;
  readonly detail: string;
}

/** Folders that hold no Markdown of ours (dependencies, build output, caches). */
const SKIP = new Set(['node_modules', 'dist', 'coverage', '.git', '.bench', '.tmp']);

/** Every Markdown file of the repository (README.md, CONTRIBUTING.md, docs/**, asset READMEs, ...), relative paths. */
function markdownFiles(dir = ''): string[] {
  return readdirSync(join(REPO_ROOT, dir), { withFileTypes: true })
    .flatMap((entry) => {
      const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory())
        return SKIP.has(entry.name) || entry.name.startsWith('cdk.out') ? [] : markdownFiles(path);
      return entry.isFile() && entry.name.endsWith('.md') ? [path] : [];
    })
    .sort();
}

/** Lint files and strings with markdownlint's MD056 rule, in a child process (test/tooling/markdown-tables.mjs). */
function tableProblems(input: { files?: string[]; strings?: Record<string, string> }): TableProblem[] {
  const child = spawnSync(process.execPath, [join(REPO_ROOT, 'test/tooling/markdown-tables.mjs')], {
    cwd: REPO_ROOT,
    input: JSON.stringify(input),
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`markdown table check failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as TableProblem[];
}

describe('Markdown tables', () => {
  it('finds a row whose cell count is wrong (a `|` in a code span splits a cell unless escaped)', () => {
    const table = (cell: string) => `| option | meaning |\n| --- | --- |\n| ${cell} | text |\n`;
    expect(tableProblems({ strings: { broken: table('`a|b`'), escaped: table('`a\\|b`') } })).toEqual([
      expect.objectContaining({
        name: 'broken',
        line: 3,
        detail: expect.stringMatching(/^Expected: 2; Actual: 3/) as unknown,
      }),
    ]);
  });

  it('have the right number of cells in every row of every Markdown file in the repository', () => {
    const files = markdownFiles();
    const expected = ['README.md', 'docs/active-learning.md', 'CONTRIBUTING.md'].filter((f) =>
      existsSync(join(REPO_ROOT, f)),
    );
    expect(files).toEqual(expect.arrayContaining(expected));
    expect(tableProblems({ files }).map((p) => `${p.name}:${p.line}: ${p.detail}`)).toEqual([]);
  });
});
