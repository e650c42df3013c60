import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../lib/shared/paths';

const PROBES: Record<string, { filePath: string; code: string; exactDir?: string }> = {
  restricted: {
    filePath: 'lambdas/example/core/probe.ts',
    code: "import { Duration } from 'aws-cdk-lib';\nimport { Construct } from 'constructs';\nimport { REPO_ROOT } from '../../../lib/shared/paths';\nexport const x = [Duration, Construct, REPO_ROOT];\n",
  },
  console: { filePath: 'lambdas/example/core/probe.ts', code: "export const f = (): void => console.log('x');\n" },
  libImports: {
    filePath: 'lib/constructs/example/probe.ts',
    code: "import { EXAMPLE_ENV } from '../../../lambdas/example/contract';\nimport { summarize } from '../../../lambdas/example/core/summarize';\nexport const x = [EXAMPLE_ENV, summarize];\n",
  },
  cliImports: {
    filePath: 'cli/commands/probe.ts',
    code: "import { Duration } from 'aws-cdk-lib';\nimport { Construct } from 'constructs';\nimport { REPO_ROOT } from '../../lib/shared/paths';\nimport { summarize } from '../../lambdas/example/core/summarize';\nimport { openLocalFile } from '../../lambdas/shared/jsonl';\nexport const x = [Duration, Construct, REPO_ROOT, summarize, openLocalFile];\n",
  },
  webImports: {
    filePath: 'web/review/src/probe.ts',
    code: "import { REVIEW_ERROR_CODES } from '../../../lambdas/review-portal/contract';\nimport { type QueueStats } from '../../../lambdas/review-portal/core/stats';\nimport { taskView } from '../../../lambdas/review-portal/core/task';\nimport { REPO_ROOT } from '../../../lib/shared/paths';\nexport const x: [unknown, QueueStats | undefined, unknown, unknown] = [REVIEW_ERROR_CODES, undefined, taskView, REPO_ROOT];\n",
  },
  focused: {
    filePath: 'test/tooling/probe.test.ts',
    // Assembled so that this file itself holds no focused or skipped test.
    code: `describe('x', () => {\n  it.${'only'}('a', () => {\n    expect(1).toBe(1);\n  });\n  it.${'skip'}('b', () => {\n    expect(1).toBe(1);\n  });\n});\n`,
  },
  floating: {
    filePath: 'lambdas/example/core/probe.ts',
    code: 'async function f(): Promise<void> {}\nexport function g(): void {\n  f();\n}\n',
  },
  coreSdk: {
    filePath: 'lambdas/review-portal/core/probe.ts',
    code: "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nimport { TaskStore } from '../adapters/task-store';\nexport const x = [DynamoDBClient, TaskStore];\n",
  },
  otherFolderSdk: {
    filePath: 'lambdas/review/<a new folder>/probe.ts',
    code: "import { S3Client } from '@aws-sdk/client-s3';\nexport const x = S3Client;\n",
    exactDir: 'lambdas/review/__lint_probe_folder',
  },
  adapterSdk: {
    filePath: 'lambdas/review-portal/adapters/probe.ts',
    code: "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nexport const client = (): DynamoDBClient => new DynamoDBClient({});\n",
  },
  contractImports: {
    filePath: 'lambdas/probe/contract.ts',
    code: "import { REVIEW_ENV } from '../review/contract';\nexport const PROBE_ENV = { ...REVIEW_ENV } as const;\n",
    exactDir: 'lambdas/__lint_probe_workflow',
  },
  sharedImportsWorkflow: {
    filePath: 'lambdas/shared/probe.ts',
    code: "import { REVIEW_ENV } from '../review/contract';\nexport const x = REVIEW_ENV;\n",
  },
  clean: {
    filePath: 'lambdas/example/core/probe.ts',
    code: "import { EXAMPLE_ENV } from '../contract';\n\nexport const bucketVariable = (): string => EXAMPLE_ENV.BUCKET;\n",
  },
};

describe('lint rules that keep the house livable', () => {
  let results: Record<string, string[]>;

  beforeAll(() => {
    const names = Object.keys(PROBES);
    const child = spawnSync(process.execPath, [join(REPO_ROOT, 'test/tooling/lint-probe.mjs')], {
      cwd: REPO_ROOT,
      input: JSON.stringify(names.map((n) => PROBES[n])),
      encoding: 'utf8',
    });
    if (child.status !== 0) throw new Error(`lint probe failed: ${child.stderr}`);
    const messages = JSON.parse(child.stdout) as string[][];
    results = Object.fromEntries(names.map((n, i) => [n, messages[i] ?? []]));
  });

  const lint = (name: string): string[] => results[name] ?? [];

  it('accepts a clean handler module (the probe itself works)', () => {
    expect(lint('clean')).toEqual([]);
  });

  it('rejects aws-cdk-lib, constructs and lib/** in a handler', () => {
    const messages = lint('restricted');
    expect(messages.filter((m) => m.startsWith('no-restricted-imports'))).toHaveLength(3);
  });

  it('keeps service clients out of a core and of folders other than adapters/, and a core off the adapters', () => {
    expect(lint('coreSdk')).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*@aws-sdk\/client-dynamodb.*Only lambdas\/<workflow>\/adapters/),
      expect.stringMatching(/^no-restricted-imports: .*adapters\/task-store.*core\/\*\* is pure/),
    ]);
    expect(lint('otherFolderSdk')).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*@aws-sdk\/client-s3.*Only lambdas\/<workflow>\/adapters/),
    ]);
    expect(lint('adapterSdk')).toEqual([]);
  });

  it('keeps contract files free of imports and lambdas/shared free of workflows', () => {
    expect(lint('contractImports')).toEqual([expect.stringMatching(/^no-restricted-syntax: .*zero imports/)]);
    expect(lint('sharedImportsWorkflow')).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*lambdas\/shared\/\*\* must not import a workflow/),
    ]);
  });

  it('rejects console in a handler', () => {
    expect(lint('console')).toContain('no-console: Unexpected console statement.');
  });

  it('lets the CDK app import only contract files from lambdas/', () => {
    const messages = lint('libImports');
    expect(messages).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*core\/summarize.*lib\/\*\* may import only/),
    ]);
  });

  it('keeps the CLI off the CDK app: no aws-cdk-lib, constructs or lib/**, while Lambda cores and shared are fine', () => {
    const messages = lint('cliImports');
    expect(messages).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*'aws-cdk-lib'.*cli\/\*\* must not import aws-cdk-lib/),
      expect.stringMatching(/^no-restricted-imports: .*'constructs'.*cli\/\*\* must not import aws-cdk-lib/),
      expect.stringMatching(/^no-restricted-imports: .*lib\/shared\/paths.*cli\/\*\* must not import the CDK app/),
    ]);
  });

  it('lets the web page take only contract files (and types) from lambdas/, and nothing from lib/**', () => {
    const messages = lint('webImports');
    expect(messages).toEqual([
      expect.stringMatching(
        /^@typescript-eslint\/no-restricted-imports: .*core\/task.*web\/\*\* may import from lambdas\/ only/,
      ),
      expect.stringMatching(
        /^@typescript-eslint\/no-restricted-imports: .*lib\/shared\/paths.*must not import the CDK app/,
      ),
    ]);
  });

  it('rejects focused and skipped tests', () => {
    const messages = lint('focused');
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^jest\/no-focused-tests/),
        expect.stringMatching(/^jest\/no-disabled-tests/),
      ]),
    );
  });

  it('rejects floating promises', () => {
    const messages = lint('floating');
    expect(messages).toEqual(
      expect.arrayContaining([expect.stringMatching(/^@typescript-eslint\/no-floating-promises/)]),
    );
  });
});
