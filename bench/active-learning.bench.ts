import { Readable } from 'node:stream';
import { batchFeedbackRecordChunks, checkBatchFile } from '../lambdas/active-learning/core/batch-file';
import { consolidate, trainingCsvByClassifier } from '../lambdas/active-learning/core/consolidate';
import { FirehoseFanOut } from '../lambdas/active-learning/core/fan-out';
import { encodeRecord } from '../lambdas/active-learning/core/records';
import { planReviews } from '../lambdas/active-learning/core/review-plan';
import { type HumanReviewOutput } from '../lambdas/review/contract';
import { type Reporter, median, timed } from './reporter';

const CHUNK = 64 * 1024;
const CATEGORIES = ['BILLING', 'TECHNICAL_ISSUE', 'ACCOUNT', 'PRODUCT_FEEDBACK', 'OTHER'];

function batchFile(count: number): Buffer {
  const sentences = Array.from(
    { length: count },
    (_, i) => `Customer message ${i}: "my bill, again", ünïcödé ${'x'.repeat(i % 40)}`,
  );
  return Buffer.from(JSON.stringify({ classifier: 'intents', sentences }));
}

/** The Lambda's whole path for one upload: validation pass, sending pass, fan-out to a fake Firehose. */
async function fanOut(file: Buffer): Promise<{ calls: number; records: number }> {
  // 64 KiB chunks, as an S3 GetObject stream delivers them.
  const chunks = Array.from({ length: Math.ceil(file.length / CHUNK) }, (_, i) =>
    file.subarray(i * CHUNK, (i + 1) * CHUNK),
  );
  const source = () => Readable.from(chunks, { objectMode: false });
  const check = await checkBatchFile(source());
  const fan = new FirehoseFanOut((records) => Promise.resolve(records.map(() => undefined)), {
    delay: () => Promise.resolve(),
  });
  for await (const records of batchFeedbackRecordChunks(source(), {
    classifier: check.classifier!,
    idPrefix: 'bench',
    timestamp: 't',
  })) {
    for (const { index, record } of records) await fan.add(encodeRecord(record), index);
  }
  await fan.flush();
  return { calls: fan.stats.calls, records: fan.stats.records };
}

function reviewOutput(items: number, workers: number): HumanReviewOutput {
  return {
    flowDefinitionArn: 'arn:aws:sagemaker:us-east-1:123456789012:flow-definition/bench',
    humanLoopName: 'bench',
    inputContent: {
      categories: CATEGORIES,
      items: Array.from({ length: items }, (_, index) => ({
        index,
        utterance: `Sentence ${index}, with "quotes"\nand a newline`,
        classifier: 'intents',
      })),
    },
    humanAnswers: Array.from({ length: workers }, (_, w) => ({
      answerContent: Object.fromEntries(
        Array.from({ length: items }, (_, i) => [
          `textCategory${i}`,
          CATEGORIES[(i + (w === 2 ? 1 : 0)) % CATEGORIES.length]!,
        ]),
      ),
      submissionTime: `2026-11-23T10:0${w}:00Z`,
      workerId: `w${w}`,
    })),
  };
}

/** Active-learning figures: batch fan-out to Firehose, review planning, consolidation throughput. */
export default async function bench(reporter: Reporter): Promise<void> {
  for (const count of [10_000, 100_000]) {
    const file = batchFile(count);
    const runs: number[] = [];
    let result = { calls: 0, records: 0 };
    for (let i = 0; i < 3; i += 1) {
      const { ms, value } = await timed(() => fanOut(file));
      runs.push(ms);
      result = value;
    }
    const group = 'active-learning';
    reporter.figure(
      group,
      `fan-out ${count.toLocaleString('en-US')} sentences: PutRecordBatch calls`,
      result.calls,
      'calls',
      `${result.records} records, ≤500 per call`,
    );
    reporter.figure(
      group,
      `fan-out ${count.toLocaleString('en-US')} sentences: time (fake Firehose)`,
      median(runs),
      'ms',
      `${(file.length / 2 ** 20).toFixed(1)} MiB file, 2 streaming passes, median of 3`,
    );
  }

  const records = Array.from({ length: 50_000 }, (_, i) => ({
    utterance: `Feedback ${i % 45_000}`,
    prediction: 'OTHER',
    confidence: 0.3,
    classifier: i % 10 === 0 ? 'spam' : 'intents',
  }));
  const plan = await timed(() =>
    Promise.resolve(
      planReviews(
        records,
        { bucket: 'b', key: 'feedback/x', version: 'v' },
        { categories: CATEGORIES, multiLabel: false, maxItems: 10 },
      ),
    ),
  );
  reporter.figure(
    'active-learning',
    'review planning: 50,000 records',
    plan.ms,
    'ms',
    `${plan.value.batches.length} reviews, ${plan.value.duplicates} duplicates dropped`,
  );

  const output = reviewOutput(100, 3);
  const reviews = 2000;
  const consolidation = await timed(() => {
    let rows = 0;
    for (let i = 0; i < reviews; i += 1)
      for (const csv of trainingCsvByClassifier(consolidate(output)).values()) rows += csv.split('\n').length - 1;
    return Promise.resolve(rows);
  });
  reporter.figure(
    'active-learning',
    'consolidation: rows per second',
    (consolidation.value / consolidation.ms) * 1000,
    'rows/s',
    `${reviews} reviews × 100 items × 3 workers, majority vote + CSV`,
  );
}
