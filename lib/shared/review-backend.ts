import { type aws_events as events, type aws_iam as iam } from 'aws-cdk-lib';
import { type ReviewBackendKind } from '../../lambdas/review/contract';
import { type HandlerFunction } from './handler-function';

/**
 * The CDK side of a human-review back end (Amazon A2I, or the self-hosted review portal). A workflow that needs
 * people to label items (the active-learning loop) takes one of these and never needs to know which it is:
 * - its review-starter function is bound to the back end (environment variables from `REVIEW_ENV` in
 *   `lambdas/review/contract.ts` and the matching grants) and starts batches through the `ReviewBackend` port;
 * - its consolidation function subscribes to `completionEventPattern` and reads the A2I-shaped `output.json`.
 */
export interface IReviewBackend {
  /** Which back end this is (the value of `REVIEW_BACKEND` in the starter's environment). */
  readonly kind: ReviewBackendKind;
  /** Set the environment variables and grant the permissions a starter needs to hand batches to this back end. */
  bindStarter(starter: HandlerFunction): void;
  /** EventBridge pattern of the events that announce a finished (completed, failed or stopped) review. */
  readonly completionEventPattern: events.EventPattern;
  /** Grant read access to the review outputs (`output.json`) the completion events point at. */
  grantReadOutput(grantee: iam.IGrantable): void;
}
