import { ThrottledError, ValidationError, awsErrorName, isThrottling } from '../../shared/errors';
import {
  A2I_MAX_INPUT_CONTENT_CHARS,
  type A2iContentClassifier,
  type AnyReviewTaskInput,
  type ReviewBackend,
  type ReviewBatch,
  type ReviewStartResult,
} from '../contract';
import { type StartHumanLoop } from './a2i-runtime';

const NAME = /^[a-z0-9](-*[a-z0-9])*$/;

/**
 * The Amazon A2I review back end: one `StartHumanLoop` per batch, named by the batch's deterministic id, so a
 * re-delivered event finds the loop already there (`ConflictException`) and reports `already-exists` instead of
 * starting it twice.
 */
export class A2iReviewBackend implements ReviewBackend {
  constructor(
    private readonly startHumanLoop: StartHumanLoop,
    private readonly flowDefinitionArn: string,
    private readonly contentClassifiers: readonly A2iContentClassifier[] = [],
  ) {}

  /**
   * @throws ValidationError for an invalid loop name or an input over the `InputContent` limit (retrying cannot
   * help); ThrottledError when A2I throttles; other errors as thrown by the SDK.
   */
  public async start(batch: ReviewBatch<AnyReviewTaskInput>): Promise<ReviewStartResult> {
    if (batch.id.length > 63 || !NAME.test(batch.id)) {
      throw new ValidationError(
        `Invalid human loop name ${JSON.stringify(batch.id)}: 1-63 lower-case letters, digits and single hyphens`,
      );
    }
    const inputContent = JSON.stringify(batch.input);
    if (inputContent.length > A2I_MAX_INPUT_CONTENT_CHARS) {
      throw new ValidationError(
        `Review ${batch.id}: InputContent has ${inputContent.length} characters, over the A2I limit of ${A2I_MAX_INPUT_CONTENT_CHARS}`,
      );
    }
    try {
      await this.startHumanLoop({
        HumanLoopName: batch.id,
        FlowDefinitionArn: this.flowDefinitionArn,
        HumanLoopInput: { InputContent: inputContent },
        DataAttributes: { ContentClassifiers: [...this.contentClassifiers] },
      });
      return 'started';
    } catch (error) {
      if (isAlreadyExists(error)) return 'already-exists';
      if (isThrottling(error))
        throw new ThrottledError(`A2I throttled StartHumanLoop for ${batch.id}`, { cause: error });
      throw error;
    }
  }
}

/** A2I answers a duplicate loop name with `ConflictException` ("... already exists"). */
function isAlreadyExists(error: unknown): boolean {
  if (awsErrorName(error) === 'ConflictException') return true;
  return error instanceof Error && /already exists/i.test(error.message);
}
