import fc from 'fast-check';
import {
  canMask,
  commitActions,
  isText,
  planVariables,
  splitSeedArchive,
} from '../../../../lambdas/gitlab-mlops/core/seed';
import { readZip } from '../../../../lambdas/gitlab-mlops/core/zip';
import { BINARY_SAMPLE, seedArchiveWithBinary } from '../../../helpers/zip-fixture';

describe('seed archive', () => {
  const seed = splitSeedArchive(readZip(seedArchiveWithBinary()));

  it('splits the real seed archive into the two repositories, prefixes removed', () => {
    const build = seed.build.map((f) => f.path);
    const deploy = seed.deploy.map((f) => f.path);
    expect(build).toEqual(
      expect.arrayContaining([
        '.gitlab-ci.yml',
        'README.md',
        'pipelines/regression/pipeline.py',
        'tests/data/abalone-sample.csv.gz',
        'tests/data/blob.bin',
      ]),
    );
    expect(deploy).toEqual(
      expect.arrayContaining([
        '.gitlab-ci.yml',
        'endpoint-config-template.yml',
        'scripts/deploy_stack.sh',
        'tests/test_endpoint.py',
      ]),
    );
    expect([...build, ...deploy].some((p) => p.startsWith('model-'))).toBe(false);
    expect(seed.deploy.find((f) => f.path === 'scripts/deploy_stack.sh')?.executable).toBe(true);
    expect(seed.build.find((f) => f.path === '.gitlab-ci.yml')?.executable).toBe(false);
  });

  it('refuses an archive without one of the repositories', () => {
    expect(() => splitSeedArchive([{ path: 'model-build/a.txt', data: Buffer.from('a') }])).toThrow(
      'The seed archive has no model-deploy/ files',
    );
  });

  it('sends text as text and binary files base64-encoded, then chmods executables', () => {
    const actions = commitActions(seed.deploy.concat(seed.build));
    const blob = actions.find((a) => a.filePath === 'tests/data/blob.bin');
    expect(blob).toMatchObject({ action: 'create', encoding: 'base64' });
    expect(Buffer.from(blob!.content!, 'base64').equals(BINARY_SAMPLE)).toBe(true);
    expect(actions.find((a) => a.filePath === 'tests/data/abalone-sample.csv.gz')).toMatchObject({
      encoding: 'base64',
    });
    expect(actions.find((a) => a.filePath === 'README.md' && a.action === 'create')).toMatchObject({
      encoding: 'text',
    });
    expect(actions.filter((a) => a.action === 'chmod')).toEqual([
      { action: 'chmod', filePath: 'scripts/deploy_stack.sh', execute_filemode: true },
    ]);
  });

  it('classifies bytes: text round-trips through UTF-8, everything else goes base64 (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const data = Buffer.from(bytes);
        const [action] = commitActions([{ path: 'f', data, executable: false }]);
        const decoded =
          action!.encoding === 'base64'
            ? Buffer.from(action!.content!, 'base64')
            : Buffer.from(action!.content!, 'utf8');
        return decoded.equals(data);
      }),
    );
    expect(isText(Buffer.from('héllo ✓'))).toBe(true);
    expect(isText(Buffer.from([0x68, 0x00]))).toBe(false);
    expect(isText(Buffer.from([0xc3]))).toBe(false);
  });
});

describe('CI/CD variables', () => {
  it('masks and protects role ARNs, leaves the rest plain, sorted by key', () => {
    expect(
      planVariables({
        AWS_REGION: 'eu-west-1',
        AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/SC-123-pp-abc-BuildRole-XYZ',
      }),
    ).toEqual([
      { key: 'AWS_REGION', value: 'eu-west-1', masked: false, protected: false },
      {
        key: 'AWS_ROLE_ARN',
        value: 'arn:aws:iam::123456789012:role/SC-123-pp-abc-BuildRole-XYZ',
        masked: true,
        protected: true,
      },
    ]);
  });

  it('refuses AWS keys: credentials come from OIDC only', () => {
    expect(() => planVariables({ AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE' })).toThrow(
      'CI/CD variable AWS_ACCESS_KEY_ID is refused: pipelines obtain AWS credentials through OIDC',
    );
    expect(() => planVariables({ AWS_SECRET_ACCESS_KEY: 'x'.repeat(40) })).toThrow('AWS_SECRET_ACCESS_KEY is refused');
  });

  it('refuses invalid keys and role ARNs GitLab could not mask', () => {
    expect(() => planVariables({ 'BAD-KEY': 'x' })).toThrow('CI/CD variable key "BAD-KEY" is invalid');
    expect(() => planVariables({ DEPLOY_ROLE_ARN: 'short' })).toThrow(
      'DEPLOY_ROLE_ARN must be masked but its value cannot be masked',
    );
  });

  it('knows GitLab masking rules', () => {
    expect(canMask('arn:aws:iam::123456789012:role/x')).toBe(true);
    expect(canMask('1234567')).toBe(false);
    expect(canMask('has space in it')).toBe(false);
    expect(canMask('line\nbreak!')).toBe(false);
  });
});
