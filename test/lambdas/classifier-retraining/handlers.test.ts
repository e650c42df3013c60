import {
  ComprehendClient,
  DeleteDocumentClassifierCommand,
  ListDocumentClassifiersCommand,
  ListEndpointsCommand,
} from '@aws-sdk/client-comprehend';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { parseCsv } from '../../../lambdas/active-learning/core/csv';
import { CLASSIFIER_RETRAINING_ENV } from '../../../lambdas/classifier-retraining/contract';
import type { EvaluateResult } from '../../../lambdas/classifier-retraining/evaluate';
import type { PrepareResult } from '../../../lambdas/classifier-retraining/prepare';
import { localS3Client, useLocalServices } from '../../helpers/local-services';

const services = useLocalServices('s3');
const BUCKET = 'loop-data';
const PREFIX = 'training-data/default/';

function rows(n: number, label: string, tag: string): string {
  return Array.from({ length: n }, (_, i) => `${label},"${tag} ${label} text, number ${i}"\n`).join('');
}

describe('prepare and evaluate handlers against s3rver', () => {
  let s3: S3Client;
  let prepare: (event: unknown) => Promise<PrepareResult>;
  let evaluate: (event: unknown) => Promise<EvaluateResult>;
  const read = async (key: string) =>
    (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString();
  const put = (key: string, body: string) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));

  beforeAll(async () => {
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_S3: services.s3.endpoint,
      AWS_S3_FORCE_PATH_STYLE: 'true',
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      [CLASSIFIER_RETRAINING_ENV.DATA_BUCKET]: BUCKET,
      [CLASSIFIER_RETRAINING_ENV.REVIEWED_PREFIX]: PREFIX,
      [CLASSIFIER_RETRAINING_ENV.BASE_TRAINING_DATA_URI]: `s3://${BUCKET}/base/base.csv`,
      [CLASSIFIER_RETRAINING_ENV.MULTI_LABEL]: 'false',
      [CLASSIFIER_RETRAINING_ENV.MIN_NEW_ROWS]: '100',
      [CLASSIFIER_RETRAINING_ENV.MODE]: 'versions',
      [CLASSIFIER_RETRAINING_ENV.MIN_IMPROVEMENT]: '0.01',
      [CLASSIFIER_RETRAINING_ENV.MIN_F1]: '0.5',
      [CLASSIFIER_RETRAINING_ENV.APPROVAL]: 'auto',
    });
    s3 = localS3Client(services.s3.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    ({ handler: prepare } = await import('../../../lambdas/classifier-retraining/prepare'));
    ({ handler: evaluate } = await import('../../../lambdas/classifier-retraining/evaluate'));
  });

  afterAll(() => {
    delete process.env.AWS_ENDPOINT_URL_S3;
  });

  it('not enough data: writes the report and sources, no training file, and names the short class', async () => {
    await put('base/base.csv', '\ufeff' + rows(50, 'BILLING', 'base') + rows(50, 'ACCOUNT', 'base'));
    await put(`${PREFIX}2026/11/01/loop-1.csv`, rows(40, 'BILLING', 'r1') + rows(7, 'OTHER', 'r1'));
    const result = await prepare({ runId: 'run-1', baseline: {} });
    expect(result).toMatchObject({
      mayTrain: false,
      rowsWritten: 0,
      shortClasses: [{ name: 'OTHER', documents: 7 }],
      rows: { documents: 147, base: 100, reviewed: 47, newReviewed: 47 },
    });
    expect(result.trainingDataUri).toBeUndefined();
    expect(result.reasons).toEqual([
      '1 class(es) below 50 documents: OTHER (7)',
      '47 new reviewed row(s) since the last promoted model; at least 100 are needed',
    ]);
    const sources = JSON.parse(await read('retraining/run-1/sources.json')) as { sources: { uri: string }[] };
    expect(sources.sources.map((s) => s.uri)).toEqual([
      `s3://${BUCKET}/base/base.csv`,
      `s3://${BUCKET}/${PREFIX}2026/11/01/loop-1.csv`,
    ]);
    await expect(read('retraining/run-1/train.csv')).rejects.toThrow();
  });

  it('enough data: writes one training file (every document once) and counts only files new since the baseline', async () => {
    await put(`${PREFIX}2026/11/02/loop-2.csv`, rows(60, 'OTHER', 'r2') + rows(60, 'ACCOUNT', 'r2'));
    const first = await prepare({ runId: 'run-2', baseline: {} });
    expect(first).toMatchObject({
      mayTrain: true,
      rowsWritten: 267,
      trainingDataUri: `s3://${BUCKET}/retraining/run-2/train.csv`,
    });
    const csv = parseCsv(await read('retraining/run-2/train.csv'));
    expect(csv).toHaveLength(267);
    expect(new Set(csv.map(([, text]) => text)).size).toBe(267);
    // With run-2 promoted, only later files are new.
    await put(`${PREFIX}2026/11/03/loop-3.csv`, rows(5, 'OTHER', 'r3'));
    const next = await prepare({ runId: 'run-3', baseline: { Item: { sourcesUri: { S: first.sourcesUri } } } });
    expect(next).toMatchObject({ mayTrain: false, rows: { newReviewed: 5 } });
  });

  it('evaluate: writes the run summary with both metric sets and the decision', async () => {
    const described = (arn: string, f1: number) => ({
      DocumentClassifierProperties: {
        DocumentClassifierArn: arn,
        Status: 'TRAINED',
        ClassifierMetadata: { EvaluationMetrics: { F1Score: f1, Accuracy: f1 }, NumberOfTestDocuments: 30 },
      },
    });
    const result = await evaluate({
      runId: 'run-2',
      classifier: 'default',
      mode: 'versions',
      candidate: described('arn:candidate', 0.91),
      current: described('arn:current', 0.88),
      prepare: { rowsWritten: 267 },
    });
    expect(result).toMatchObject({
      decision: 'promote',
      candidateModelArn: 'arn:candidate',
      currentModelArn: 'arn:current',
    });
    const summary = JSON.parse(await read('retraining/run-2/summary.json')) as Record<string, unknown>;
    expect(summary).toMatchObject({
      runId: 'run-2',
      candidate: { modelArn: 'arn:candidate', metrics: { F1Score: 0.91 } },
      current: { modelArn: 'arn:current', metrics: { F1Score: 0.88 } },
      selection: { decision: 'promote', improvement: 0.03 },
      prepare: { rowsWritten: 267 },
    });
  });

  it('evaluate: a flywheel iteration compares the trained model with the active one it evaluated', async () => {
    const result = await evaluate({
      runId: 'run-4',
      classifier: 'default',
      mode: 'flywheel',
      candidate: {
        FlywheelIterationProperties: {
          TrainedModelArn: 'arn:new',
          TrainedModelMetrics: { AverageF1Score: 0.7 },
          EvaluatedModelArn: 'arn:active',
          EvaluatedModelMetrics: { AverageF1Score: 0.75 },
        },
      },
      prepare: {},
    });
    expect(result).toMatchObject({ decision: 'keep', candidateModelArn: 'arn:new', currentModelArn: 'arn:active' });
  });
});

describe('clean-up handler (Comprehend mocked)', () => {
  const comprehend = mockClient(ComprehendClient);
  beforeEach(() => {
    comprehend.reset();
    process.env[CLASSIFIER_RETRAINING_ENV.COMPREHEND_CLASSIFIER_NAME] = 'default';
    process.env[CLASSIFIER_RETRAINING_ENV.KEEP_VERSIONS] = '2';
  });

  it('deletes old versions no endpoint uses, keeps in-use and protected ones, and reports refused deletions', async () => {
    const version = (n: number) => ({
      DocumentClassifierArn: `arn:aws:comprehend:us-east-1:123456789012:document-classifier/default/version/v${n}`,
      VersionName: `v${n}`,
      SubmitTime: new Date(Date.UTC(2026, 10, n)),
      Status: 'TRAINED' as const,
    });
    comprehend
      .on(ListDocumentClassifiersCommand)
      .resolvesOnce({ DocumentClassifierPropertiesList: [version(1), version(2), version(3)], NextToken: 'next' })
      .resolvesOnce({ DocumentClassifierPropertiesList: [version(4), version(5), version(6)] });
    comprehend
      .on(ListEndpointsCommand)
      .resolves({ EndpointPropertiesList: [{ ModelArn: version(2).DocumentClassifierArn }] });
    comprehend.on(DeleteDocumentClassifierCommand).resolves({});
    comprehend
      .on(DeleteDocumentClassifierCommand, { DocumentClassifierArn: version(3).DocumentClassifierArn })
      .rejects(Object.assign(new Error('used by a job'), { name: 'ResourceInUseException' }));
    const { handler } = await import('../../../lambdas/classifier-retraining/clean-up');
    const result = await handler({ protect: [version(4).DocumentClassifierArn] });
    expect(comprehend).toHaveReceivedCommandWith(ListDocumentClassifiersCommand, {
      Filter: { DocumentClassifierName: 'default' },
    });
    expect(result.deleted).toEqual([version(1).DocumentClassifierArn]);
    expect(result.skipped).toEqual([{ arn: version(3).DocumentClassifierArn, reason: 'used by a job' }]);
    expect(result.kept).toBe(4); // v6 and v5 (newest), v4 (protected), v2 (in use)
    expect(comprehend).toHaveReceivedCommandTimes(DeleteDocumentClassifierCommand, 2);
  });
});
