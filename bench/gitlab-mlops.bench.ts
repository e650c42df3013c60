import { createGitLabClient } from '../lambdas/gitlab-mlops/adapters/gitlab';
import { checkIn } from '../lambdas/gitlab-mlops/core/check-in';
import { commitActions, planVariables, splitSeedArchive } from '../lambdas/gitlab-mlops/core/seed';
import { readZip } from '../lambdas/gitlab-mlops/core/zip';
import { FakeGitLab } from '../test/helpers/fake-gitlab';
import { seedArchiveWithBinary } from '../test/helpers/zip-fixture';
import { type Reporter, median, timed } from './reporter';

const TOKEN = 'glpat-bench-token-000';

/**
 * GitLab MLOps: seed archive size and read time, the size of the one-commit payload, and the GitLab calls and time
 * of a check-in through @gitbeaker/rest against the fake GitLab on loopback (first run, then an idempotent re-run).
 * Loopback latency only: the figures compare versions of the code, not a real GitLab server.
 */
export default async function gitlabMlopsBench(reporter: Reporter): Promise<void> {
  const archive = seedArchiveWithBinary();
  reporter.figure('gitlab-mlops', 'seed archive (zip, incl. 2 KiB test binary)', archive.length / 1024, 'KiB');
  const reads: number[] = [];
  for (let i = 0; i < 20; i += 1) reads.push((await timed(() => Promise.resolve(readZip(archive)))).ms);
  reporter.figure('gitlab-mlops', 'read + CRC-check seed archive (median of 20)', median(reads), 'ms');
  const seed = splitSeedArchive(readZip(archive));
  reporter.figure(
    'gitlab-mlops',
    'seed files model-build / model-deploy',
    seed.build.length,
    'files',
    `${seed.deploy.length} in model-deploy`,
  );
  const payload = JSON.stringify(commitActions(seed.build)).length + JSON.stringify(commitActions(seed.deploy)).length;
  reporter.figure(
    'gitlab-mlops',
    'commit payload, both repositories',
    payload / 1024,
    'KiB',
    'one commit per repository',
  );

  const gitlab = await new FakeGitLab({ tokens: [TOKEN] }).start();
  try {
    gitlab.addGroup('ml/bench');
    const client = createGitLabClient(gitlab.url, TOKEN);
    const variables = planVariables({
      AWS_REGION: 'us-east-1',
      AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/SC-123456789012-pp-x-BuildRole-Y',
      ARTIFACT_BUCKET: 'bucket',
    });
    const request = {
      groupPath: 'ml/bench',
      branch: 'main',
      projectName: 'bench',
      projectId: 'p-bench',
      repositories: [
        { name: 'bench-model-build', files: seed.build, variables },
        { name: 'bench-model-deploy', files: seed.deploy, variables },
      ],
    };
    const first = await timed(() => checkIn(client, request));
    const firstCalls = gitlab.requests.length;
    reporter.figure('gitlab-mlops', 'check-in, new projects: GitLab calls', firstCalls, 'calls');
    reporter.figure('gitlab-mlops', 'check-in, new projects: time (loopback)', first.ms, 'ms');
    const again = await timed(() => checkIn(client, request));
    reporter.figure(
      'gitlab-mlops',
      'check-in again (idempotent): GitLab calls',
      gitlab.requests.length - firstCalls,
      'calls',
      'no commit, variables updated',
    );
    reporter.figure('gitlab-mlops', 'check-in again (idempotent): time (loopback)', again.ms, 'ms');
  } finally {
    await gitlab.stop();
  }
}
