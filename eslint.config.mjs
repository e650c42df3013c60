// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import jest from 'eslint-plugin-jest';

/** What no Lambda module may import: the CDK app and its libraries (handlers are bundled alone). */
const LAMBDA_PATTERNS = [
  {
    group: ['aws-cdk-lib', 'aws-cdk-lib/*'],
    message: 'lambdas/** must not import aws-cdk-lib: handlers are bundled on their own.',
  },
  { group: ['constructs', 'constructs/*'], message: 'lambdas/** must not import constructs.' },
  {
    group: ['**/lib/**', '../lib', '../../lib', '../../../lib'],
    message: 'lambdas/** must not import the CDK app (lib/**).',
  },
];

/** Clients of AWS and other services: only lambdas/<workflow>/adapters/** and handler files may import them. */
const SERVICE_CLIENT_PATTERNS = [
  {
    group: [
      '@aws-sdk/*',
      '@smithy/*',
      '@gitbeaker/*',
      '@aws-lambda-powertools/parameters',
      '@aws-lambda-powertools/parameters/*',
    ],
    message:
      'Only lambdas/<workflow>/adapters/** and handler files (lambdas/<workflow>/<function>.ts) talk to AWS or other services: move this code to adapters/ and pass it in.',
  },
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'cdk.out/**',
      'cdk.out.*/**',
      '.bench/**',
      'dist/**',
      'coverage/**',
      'assets/**',
      'bin/mlw.js',
      '**/*.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'import-x/order': [
        'error',
        { groups: ['builtin', 'external', 'internal', 'parent', 'sibling', 'index'], 'newlines-between': 'never' },
      ],
      'import-x/no-duplicates': 'error',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    // Lambda code never reaches into the CDK app: it is bundled alone and must stay small.
    files: ['lambdas/**/*.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-imports': ['error', { patterns: LAMBDA_PATTERNS }],
    },
  },
  {
    // Layers inside a workflow (CONTRIBUTING.md): only adapters/ and the handler files (lambdas/<workflow>/<function>.ts)
    // talk to AWS or other services; core/ and every other folder are plain code. lambdas/shared/ is the handlers'
    // toolbox (its s3.ts and dead-letter.ts open and write objects).
    files: ['lambdas/*/*/**/*.ts'],
    ignores: ['lambdas/*/adapters/**', 'lambdas/shared/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...LAMBDA_PATTERNS, ...SERVICE_CLIENT_PATTERNS] }],
    },
  },
  {
    // A core is pure: it never reaches into the adapters of any workflow (ports are passed in as plain functions).
    files: ['lambdas/*/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...LAMBDA_PATTERNS,
            ...SERVICE_CLIENT_PATTERNS,
            {
              group: [
                '**/adapters',
                '**/adapters/**',
                '@aws-lambda-powertools/logger',
                '@aws-lambda-powertools/metrics',
              ],
              message:
                'lambdas/<workflow>/core/** is pure: no adapters and no logger or metrics (the handler logs and counts; pass results back).',
            },
          ],
        },
      ],
    },
  },
  {
    // The handlers' toolbox depends on no workflow.
    files: ['lambdas/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...LAMBDA_PATTERNS,
            { regex: '^\\.\\./', message: 'lambdas/shared/** must not import a workflow or the review module.' },
          ],
        },
      ],
    },
  },
  {
    // A contract split into a folder (lambdas/<workflow>/contract/index.ts and its parts) imports only its own parts.
    files: ['lambdas/*/contract/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'ImportDeclaration[source.value=/^(?!\\.\\/)/], ImportExpression, ExportAllDeclaration[source.value=/^(?!\\.\\/)/], ExportNamedDeclaration[source.value=/^(?!\\.\\/)/]',
          message:
            'lambdas/<workflow>/contract/** imports only its own parts (./…): the CDK app, the CLI and the web page read it.',
        },
      ],
    },
  },
  {
    // Contracts are read by the CDK app, the CLI and the web page: names and constants only, zero imports.
    files: ['lambdas/*/contract.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportDeclaration, ImportExpression, ExportAllDeclaration, ExportNamedDeclaration[source]',
          message: 'lambdas/<workflow>/contract.ts has zero imports: the CDK app, the CLI and the web page read it.',
        },
      ],
    },
  },
  {
    // The CDK app takes only the zero-import contract files from lambdas/ (environment variable and metric names).
    files: ['lib/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+lambdas/(?!.*/contract$)',
              message:
                'lib/** may import only the zero-import contract files from lambdas/ (lambdas/<workflow>/contract.ts, lambdas/review/contract.ts).',
            },
          ],
        },
      ],
    },
  },
  {
    // The CLI reuses the handlers' cores and shared modules (one implementation of each rule), never the CDK app.
    files: ['cli/**/*.ts', 'bin/mlw.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'constructs/*'],
              message:
                'cli/** must not import aws-cdk-lib or constructs: the CLI is bundled on its own and starts fast.',
            },
            {
              regex: '^(\\.\\./)+lib(/|$)',
              message:
                'cli/** must not import the CDK app (lib/**); share code through lambdas/<workflow>/core or lambdas/shared.',
            },
          ],
        },
      ],
    },
  },
  {
    // The web page runs in a browser: from lambdas/ it takes only the zero-import contract files at run time (types
    // from anywhere are erased when it is bundled); nothing from the CDK app.
    files: ['web/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+lambdas/(?!.*/contract$)',
              allowTypeImports: true,
              message:
                'web/** may import from lambdas/ only the zero-import contract files (lambdas/<workflow>/contract.ts, lambdas/review/contract.ts), or types.',
            },
            {
              group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'constructs/*', '@aws-sdk/*'],
              message: 'web/** runs in the browser: no CDK, no AWS SDK.',
            },
            { regex: '^(\\.\\./)+lib(/|$)', message: 'web/** must not import the CDK app (lib/**).' },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    ...jest.configs['flat/recommended'],
    rules: {
      ...jest.configs['flat/recommended'].rules,
      'jest/no-focused-tests': 'error',
      'jest/no-disabled-tests': 'error',
      'jest/expect-expect': [
        'error',
        {
          assertFunctionNames: [
            'expect',
            'expect*',
            'assert*',
            'fc.assert',
            '*.hasResourceProperties',
            '*.hasResource',
            '*.resourceCountIs',
            '*.resourcePropertiesCountIs',
            '*.hasOutput',
            '*.hasMapping',
            '*.allResourcesProperties',
            '*.templateMatches',
          ],
        },
      ],
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      parserOptions: { projectService: false },
      globals: { process: 'readonly', Buffer: 'readonly', console: 'readonly' },
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
