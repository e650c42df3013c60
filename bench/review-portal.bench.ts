import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { REVIEW_PORTAL_ENV as ENV } from '../lambdas/review-portal/contract';
import { PortalReviewBackend } from '../lambdas/review/adapters/portal';
import { buildReviewPage } from '../lib/constructs/review-portal/web-page';
import { lambdaContext } from '../test/helpers/lambda-context';
import { localDynamoDbClient, startDynalite } from '../test/helpers/local-services';
import { apiEvent, createTaskTable, reviewBatch, submitAnswersEvent } from '../test/helpers/review-portal';
import { type Reporter, median, timed } from './reporter';

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

const TASKS = 200;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Review portal: page weight (bytes of JS/CSS/HTML, raw and gzip) of the esbuild build, and claim / submit latency of
 * the real handlers against dynalite (in-process HTTP; AWS latency is not modelled, so the figures compare versions of
 * the code, not production).
 */
export default async function reviewPortalBench(reporter: Reporter): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'review-page-bench-'));
  try {
    const build = await timed(() => Promise.resolve(buildReviewPage(out)));
    let total = 0;
    let totalGzip = 0;
    for (const file of build.value) {
      const gz = gzipSync(readFileSync(join(out, file.name)), { level: 9 }).length;
      total += file.bytes;
      totalGzip += gz;
      reporter.figure('review page weight', file.name, file.bytes, 'bytes', `${gz.toLocaleString('en-US')} gzip`);
    }
    reporter.figure(
      'review page weight',
      'total (html + js + css)',
      total,
      'bytes',
      `${totalGzip.toLocaleString('en-US')} gzip`,
    );
    reporter.figure('review page weight', 'esbuild build time', build.ms, 'ms');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }

  const dynalite = await startDynalite();
  try {
    const client = localDynamoDbClient(dynalite.endpoint);
    const table = 'bench-review-tasks';
    await createTaskTable(client, table);
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      [ENV.TASK_TABLE]: table,
    });
    const backend = new PortalReviewBackend({ tableName: table, client });
    const create = await timed(async () => {
      for (let i = 0; i < TASKS; i += 1) await backend.start(reviewBatch(`bench-${String(i).padStart(4, '0')}`, 5));
    });
    reporter.figure(
      'review portal (dynalite)',
      'create task (conditional PutItem), mean',
      create.ms / TASKS,
      'ms',
      `${TASKS} tasks of 5 items`,
    );

    const claim = ((await import('../lambdas/review-portal/claim-task')) as { handler: Handler }).handler;
    const submit = ((await import('../lambdas/review-portal/submit-answers')) as { handler: Handler }).handler;
    const claims: number[] = [];
    const submits: number[] = [];
    const rounds = 100;
    for (let i = 0; i < rounds; i += 1) {
      const user = { sub: `bench-reviewer-${i}` };
      const claimed = await timed(() =>
        claim(apiEvent({ method: 'POST', resource: '/tasks/claim', path: '/tasks/claim', user }), lambdaContext()),
      );
      claims.push(claimed.ms);
      const taskId = (JSON.parse(claimed.value.body) as { task: { taskId: string } }).task.taskId;
      const answers = Object.fromEntries([0, 1, 2, 3, 4].map((k) => [`textCategory${k}`, 'Positive']));
      const submitted = await timed(() => submit(submitAnswersEvent(user, taskId, answers), lambdaContext()));
      if (submitted.value.statusCode !== 200) throw new Error(`submit failed: ${submitted.value.body}`);
      submits.push(submitted.ms);
    }
    reporter.figure(
      'review portal (dynalite)',
      'claim latency, median',
      median(claims),
      'ms',
      `p95 ${percentile(claims, 95).toFixed(1)} ms; the claimed task is the oldest open one`,
    );
    reporter.figure(
      'review portal (dynalite)',
      'submit latency, median',
      median(submits),
      'ms',
      `p95 ${percentile(submits, 95).toFixed(1)} ms; 5 answers, completes the task`,
    );

    // Contention: 20 reviewers claim at once from the remaining queue; every claim must get a distinct task.
    const racers = Array.from({ length: 20 }, (_, i) => ({ sub: `racer-${i}` }));
    const race = await timed(() =>
      Promise.all(
        racers.map((user) =>
          claim(apiEvent({ method: 'POST', resource: '/tasks/claim', path: '/tasks/claim', user }), lambdaContext()),
        ),
      ),
    );
    const ids = race.value.map((r) => (JSON.parse(r.body) as { task: { taskId: string } | null }).task?.taskId);
    if (new Set(ids).size !== ids.length) throw new Error('two reviewers got the same task');
    reporter.figure(
      'review portal (dynalite)',
      '20 concurrent claims, wall time',
      race.ms,
      'ms',
      'all distinct tasks (conditional writes)',
    );
  } finally {
    await dynalite.stop();
  }
}
