import {
  Duration,
  aws_cloudwatch as cloudwatch,
  type aws_sns as sns,
  type aws_stepfunctions as sfn,
} from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { CUSTOM_LABELS_ASSIST_METRICS } from '../../../lambdas/custom-labels-assist/contract';
import { type HandlerFunction } from '../../shared/handler-function';
import { serviceMetrics } from '../../shared/metrics';
import { WorkflowOperations } from '../../shared/operations';
import { RUNBOOK } from '../../shared/runbook';
import { type RunFunctions } from './handlers';

/** Props of {@link createAssistOperations}. */
export interface AssistOperationsProps {
  readonly stateMachine: sfn.IStateMachine;
  readonly functions: RunFunctions;
  readonly watchdog: HandlerFunction;
  /** Inference-unit hours within 6 hours that raise the alarm. */
  readonly inferenceHoursAlarm: number;
  readonly alarmTopic?: sns.ITopic;
}

/**
 * The workflow's dashboard and alarms: failed runs, function errors, the dead-letter queues of the review recorder and
 * the watchdog, running inference hours (the model is billed per inference-unit hour), and models the watchdog had to
 * stop (a model was left running).
 */
export function createAssistOperations(scope: Construct, props: AssistOperationsProps): WorkflowOperations {
  const ops = new WorkflowOperations(scope, 'Operations', {
    title: 'Custom Labels assist',
    alarmTopic: props.alarmTopic,
  });
  ops.addStateMachine('AssistRuns', props.stateMachine);
  for (const [label, fn] of Object.entries(props.functions) as [string, HandlerFunction | undefined][]) {
    if (fn) ops.addFunction(label, fn);
  }
  ops.addFunction('StopModels', props.watchdog);
  if (props.functions.recordReview.deadLetterQueue) {
    ops.addDeadLetterQueue('RecordReviewDlq', props.functions.recordReview.deadLetterQueue);
  }
  if (props.watchdog.deadLetterQueue) ops.addDeadLetterQueue('StopModelsDlq', props.watchdog.deadLetterQueue);

  const models = serviceMetrics(props.watchdog, CUSTOM_LABELS_ASSIST_METRICS);
  const hours = models(CUSTOM_LABELS_ASSIST_METRICS.INFERENCE_UNIT_HOURS, {
    period: Duration.hours(6),
    label: 'inference-unit hours',
  });
  const stopped = models(CUSTOM_LABELS_ASSIST_METRICS.MODELS_STOPPED, {
    period: Duration.minutes(15),
    label: 'models stopped',
  });
  ops.addThresholdAlarm('InferenceHoursAlarm', {
    metric: hours,
    threshold: props.inferenceHoursAlarm,
    description: `The project's models ran at least ${props.inferenceHoursAlarm} inference-unit hours within 6 hours (billed per hour): check which version runs (mlw labels model status).`,
    runbook: RUNBOOK.MODEL_INFERENCE_HOURS,
  });
  ops.addThresholdAlarm('ModelLeftRunningAlarm', {
    metric: stopped,
    description: 'The watchdog stopped a Custom Labels model that was left running (idle, or left by an aborted run).',
    runbook: RUNBOOK.MODEL_LEFT_RUNNING,
  });
  const run = serviceMetrics(props.functions.listImages, CUSTOM_LABELS_ASSIST_METRICS, { period: Duration.hours(1) });
  ops.dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Model: inference-unit hours (6 h) and stops',
      left: [hours],
      right: [stopped],
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: 'Runs: images, boxes, tasks, verified, needs labeling',
      left: [
        run(CUSTOM_LABELS_ASSIST_METRICS.IMAGES_LISTED, { label: 'images' }),
        run(CUSTOM_LABELS_ASSIST_METRICS.IMAGES_SKIPPED, { label: 'skipped' }),
        run(CUSTOM_LABELS_ASSIST_METRICS.MANIFEST_LINES, { label: 'verified' }),
        run(CUSTOM_LABELS_ASSIST_METRICS.NEEDS_LABELING, { label: 'needs labeling' }),
      ],
      right: [
        run(CUSTOM_LABELS_ASSIST_METRICS.BOXES_PROPOSED, { label: 'boxes' }),
        run(CUSTOM_LABELS_ASSIST_METRICS.TASKS_CREATED, { label: 'tasks' }),
      ],
      width: 12,
    }),
  );
  return ops;
}
