import { type ByteSource } from '../../shared/jsonl';
import { JsonSyntaxError, streamTopLevelObjectChunks } from './json-stream';
import {
  EXPLICIT_CONFIDENCE,
  EXPLICIT_PREDICTION,
  type FeedbackRecord,
  classifierNameSchema,
  utteranceSchema,
} from './records';

/** Problems listed one by one in an error report; beyond this only the count grows. */
export const MAX_LISTED_PROBLEMS = 10_000;

/** One rejected sentence of a batch file. */
export interface SentenceProblem {
  /** 0-based index in `sentences`. */
  readonly index: number;
  readonly reason: string;
}

/** What the validation pass found in a batch-feedback file `{"classifier": "...", "sentences": ["...", ...]}`. */
export interface BatchFileCheck {
  /** The classifier, when valid. */
  readonly classifier?: string;
  /** Elements of `sentences`. */
  readonly sentences: number;
  /** Sentences that will be sent. */
  readonly valid: number;
  /** Rejected sentences (the first {@link MAX_LISTED_PROBLEMS}). */
  readonly rejected: readonly SentenceProblem[];
  readonly rejectedCount: number;
  /** Problems with the file as a whole; any one makes it malformed (nothing is sent). */
  readonly fileProblems: readonly string[];
  /** Unknown top-level keys (ignored, reported). */
  readonly ignoredKeys: readonly string[];
}

/** True when nothing of the file can be sent. */
export function isMalformed(check: BatchFileCheck): boolean {
  return check.fileProblems.length > 0;
}

/**
 * Validation pass over a batch file, streaming (memory holds one sentence at a time whatever the file size). Never
 * throws for bad content: every problem is reported in the result. The file is malformed when it is not valid JSON,
 * not an object, has no valid `classifier`, no `sentences` array, or no valid sentence at all; otherwise it is sent,
 * minus the rejected sentences.
 */
export async function checkBatchFile(source: ByteSource): Promise<BatchFileCheck> {
  const fileProblems: string[] = [];
  const rejected: SentenceProblem[] = [];
  const ignoredKeys: string[] = [];
  const seen = new Set<string>();
  let classifier: string | undefined;
  let sentences = 0;
  let valid = 0;
  let rejectedCount = 0;
  let sawSentences = false;
  try {
    for await (const chunk of streamTopLevelObjectChunks(source, 'sentences'))
      for (const event of chunk) {
        if (event.kind === 'element') {
          sentences += 1;
          const result = utteranceSchema.safeParse(event.value);
          if (result.success) valid += 1;
          else {
            rejectedCount += 1;
            if (rejected.length < MAX_LISTED_PROBLEMS)
              rejected.push({
                index: event.index,
                reason: `sentences[${event.index}]: ${result.error.issues[0]?.message ?? 'invalid'}`,
              });
          }
          continue;
        }
        if (event.kind === 'array-end') {
          if (seen.has('sentences')) fileProblems.push('duplicate key "sentences"');
          seen.add('sentences');
          sawSentences = true;
          continue;
        }
        if (seen.has(event.key)) {
          fileProblems.push(`duplicate key ${JSON.stringify(event.key)}`);
          continue;
        }
        seen.add(event.key);
        if (event.key === 'classifier') {
          const result = classifierNameSchema.safeParse(event.value);
          if (result.success) classifier = result.data;
          else
            fileProblems.push(
              `classifier: ${result.error.issues[0]?.message ?? 'invalid'} (received ${JSON.stringify(event.value)?.slice(0, 100)})`,
            );
        } else if (event.key === 'sentences') {
          sawSentences = true;
          fileProblems.push('sentences: expected an array of strings');
        } else {
          ignoredKeys.push(event.key);
        }
      }
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    fileProblems.push(error.message);
    return { classifier, sentences, valid: 0, rejected, rejectedCount, fileProblems, ignoredKeys };
  }
  if (!seen.has('classifier'))
    fileProblems.push('classifier: missing (expected {"classifier": "<name>", "sentences": ["...", ...]})');
  if (!sawSentences)
    fileProblems.push('sentences: missing (expected {"classifier": "<name>", "sentences": ["...", ...]})');
  else if (valid === 0 && fileProblems.length === 0)
    fileProblems.push(sentences === 0 ? 'sentences: the list is empty' : 'sentences: no valid sentence');
  return { classifier, sentences, valid, rejected, rejectedCount, fileProblems, ignoredKeys };
}

/**
 * Sending pass: the explicit-feedback record of every valid sentence of a file that {@link checkBatchFile} accepted,
 * in file order, each with a deterministic `recordId` (`<idPrefix>-<index>`) so re-sent records can be recognized.
 */
export async function* batchFeedbackRecords(
  source: ByteSource,
  options: { readonly classifier: string; readonly idPrefix: string; readonly timestamp: string },
): AsyncGenerator<FeedbackRecord> {
  for await (const records of batchFeedbackRecordChunks(source, options)) for (const r of records) yield r.record;
}

/** A feedback record with the index of its sentence in the file (the id the upload's progress is kept by). */
export interface IndexedRecord {
  readonly index: number;
  readonly record: FeedbackRecord;
}

/** {@link batchFeedbackRecords}, the records of each input chunk together (one await per chunk), with their index. */
export async function* batchFeedbackRecordChunks(
  source: ByteSource,
  options: { readonly classifier: string; readonly idPrefix: string; readonly timestamp: string },
): AsyncGenerator<IndexedRecord[]> {
  for await (const chunk of streamTopLevelObjectChunks(source, 'sentences')) {
    const records: IndexedRecord[] = [];
    for (const event of chunk) {
      if (event.kind !== 'element') continue;
      const result = utteranceSchema.safeParse(event.value);
      if (!result.success) continue;
      records.push({
        index: event.index,
        record: {
          utterance: result.data,
          prediction: EXPLICIT_PREDICTION,
          confidence: EXPLICIT_CONFIDENCE,
          classifier: options.classifier,
          source: 'batch',
          recordId: `${options.idPrefix}-${event.index}`,
          timestamp: options.timestamp,
        },
      });
    }
    if (records.length > 0) yield records;
  }
}

/**
 * The error report of a batch file, as JSON Lines: a summary line, then one line per rejected sentence.
 * @param sent records sent to the stream (0 for a malformed file)
 */
export function errorReportLines(
  upload: { bucket: string; key: string; versionId?: string },
  check: BatchFileCheck,
  sent: number,
): string[] {
  const status = isMalformed(check) ? 'rejected' : 'partial';
  const summary = {
    upload: `s3://${upload.bucket}/${upload.key}`,
    versionId: upload.versionId,
    status,
    message:
      status === 'rejected'
        ? `The file was not processed: ${check.fileProblems.join('; ')}. Fix it and upload it again.`
        : `${check.rejectedCount} of ${check.sentences} sentences were rejected; the other ${sent} were sent.`,
    problems: check.fileProblems,
    classifier: check.classifier,
    sentences: check.sentences,
    sent,
    rejected: check.rejectedCount,
    listedRejections: check.rejected.length,
    ignoredKeys: check.ignoredKeys,
  };
  return [summary, ...check.rejected].map((line) => `${JSON.stringify(line)}\n`);
}
