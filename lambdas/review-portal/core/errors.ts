import { ConflictError, DomainError, NotFoundError, ValidationError } from '../../shared/errors';
import { REVIEW_ERROR_CODES } from '../contract';

/** A code the web page turns into a specific message. */
export type ReviewErrorCode = (typeof REVIEW_ERROR_CODES)[keyof typeof REVIEW_ERROR_CODES];

/** The request conflicts with the task's state (HTTP 409), with a code the page understands. */
export class ReviewConflictError extends ConflictError {
  constructor(
    /** Machine-readable reason. */
    public readonly code: ReviewErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The task does not exist (HTTP 404). */
export class TaskNotFoundError extends NotFoundError {
  /** Machine-readable reason. */
  public readonly code = REVIEW_ERROR_CODES.NOT_FOUND;
  constructor(taskId: string) {
    super(`Task ${taskId} does not exist`);
  }
}

/** The answers do not fit the task (HTTP 400); `details` names each bad field. */
export class InvalidAnswerError extends ValidationError {
  /** Machine-readable reason. */
  public readonly code = REVIEW_ERROR_CODES.INVALID_ANSWER;
}

/** The caller is signed in but not a member of the reviewers group (HTTP 403). */
export class ForbiddenError extends DomainError {
  /** Machine-readable reason. */
  public readonly code = REVIEW_ERROR_CODES.NOT_A_REVIEWER;
}
