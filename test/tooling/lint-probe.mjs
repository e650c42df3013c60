// Lints probe sources placed at given paths with the project's ESLint config and prints the messages as JSON.
// Run in a child process by lint-rules.test.ts (ESLint loads its config with a dynamic import, which jest's VM does
// not allow). The probes are written to disk for the duration of the run (the TypeScript project service only lints
// files that exist) under unique names, and always removed.
// Input on stdin: [{ "filePath": "dir/name.ts", "code": "...", "exactDir"?: "lambdas/__lint_probe" }, ...].
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ESLint } from 'eslint';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const probes = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const created = [];
const written = probes.map(({ filePath, code, exactDir }, i) => {
  // `exactDir`: the probe keeps its file name (rules that match a name, such as contract.ts) inside a fresh folder
  // named after this process, created for the run and removed with it.
  let path;
  if (exactDir) {
    const dir = join(dirname(exactDir), `${basename(exactDir)}_${process.pid}`);
    if (!existsSync(dir)) {
      mkdirSync(dir, { recursive: true });
      created.push(dir);
    }
    path = join(dir, basename(filePath));
  } else {
    path = join(dirname(filePath), `__lint_probe_${process.pid}_${i}_${basename(filePath)}`);
  }
  writeFileSync(path, code);
  return path;
});
try {
  const eslint = new ESLint({ cwd: process.cwd() });
  const out = [];
  for (const path of written) {
    const [result] = await eslint.lintFiles([path]);
    out.push((result?.messages ?? []).map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`));
  }
  process.stdout.write(JSON.stringify(out));
} finally {
  for (const path of written) rmSync(path, { force: true });
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
}
