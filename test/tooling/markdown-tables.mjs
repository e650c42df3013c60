// Checks the tables of Markdown files with markdownlint's MD056 rule (table-column-count: every row has as many cells
// as the header, as GitHub's GFM parser reads them, so a `|` inside a code span splits a cell unless escaped as `\|`).
// Run in a child process by markdown-tables.test.ts (markdownlint is an ES module; jest's module system is CommonJS).
// Input on stdin: { "files": ["README.md", ...], "strings": { "name": "markdown", ... } }.
// Output: [{ "name", "line", "detail", "context" }, ...], one per table row with the wrong number of cells.
import { lint } from 'markdownlint/sync';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { files = [], strings = {} } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const results = lint({ files, strings, config: { default: false, MD056: true } });
const problems = Object.entries(results).flatMap(([name, errors]) =>
  errors.map((e) => ({ name, line: e.lineNumber, detail: e.errorDetail ?? '', context: e.errorContext ?? '' })),
);
process.stdout.write(JSON.stringify(problems));
