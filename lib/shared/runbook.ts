/**
 * Sections of `docs/runbook.md` that alarm descriptions link to (GitHub heading anchors). Every alarm of the app names
 * one (`WorkflowOperations.addThresholdAlarm` requires it); a test checks each anchor exists in the runbook and each
 * alarm description carries a link.
 */
export const RUNBOOK = {
  FUNCTION_ERRORS: 'function-errors',
  DEAD_LETTER_QUEUE: 'dead-letter-queue-holds-messages',
  DEAD_LETTER_PREFIX: 'records-in-a-dead-letter-prefix',
  STATE_MACHINE_FAILED: 'failed-executions',
  API_SERVER_ERRORS: 'api-5xx-answers',
  FIREHOSE_DELIVERY: 'firehose-delivery-failures',
  STREAM_CONSUMER_BEHIND: 'stream-consumer-falls-behind',
  IMPLICIT_FEEDBACK_LOST: 'implicit-feedback-lost',
  REVIEWS_FAILED: 'human-reviews-failed',
  REVIEW_TASKS_WAITING: 'review-tasks-wait-too-long',
  GITLAB_CHECK_IN: 'gitlab-seed-check-in-failed',
  GITLAB_DEPLOY_TRIGGER: 'gitlab-deploy-trigger-failed',
  GITLAB_ROLLBACK_IMPOSSIBLE: 'rollback-impossible',
  TRAFFIC_ANOMALY: 'traffic-anomaly',
  MODEL_INFERENCE_HOURS: 'custom-labels-model-inference-hours',
  MODEL_LEFT_RUNNING: 'custom-labels-model-left-running',
  RETRAINING_RUN_STUCK: 'retraining-run-stuck',
  ENDPOINT_UPDATE_FAILED: 'endpoint-update-failed',
} as const;

/** One section of the runbook. */
export type RunbookSection = (typeof RUNBOOK)[keyof typeof RUNBOOK];

/** Path of the runbook in the repository, as alarm descriptions cite it. */
export const RUNBOOK_PATH = 'docs/runbook.md';

/** The text an alarm description ends with: where to read what to do. */
export function runbookLink(section: RunbookSection): string {
  return `Runbook: ${RUNBOOK_PATH}#${section}`;
}
