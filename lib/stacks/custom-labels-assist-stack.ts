import { Aws, CfnMapping, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { CLA_OUTPUTS } from '../../lambdas/custom-labels-assist/contract';
import { BUILT_IN_TASK_LAMBDA_MAPPING } from '../../lambdas/labeling-chain/contract';
import { type CustomLabelsAssistConfig } from '../config/custom-labels-assist';
import { CustomLabelsAssist } from '../constructs/custom-labels-assist';
import { type ReviewPortal } from '../constructs/review-portal';

/** Props of {@link CustomLabelsAssistStack}. */
export interface CustomLabelsAssistStackProps extends StackProps {
  /** The `customLabelsAssist` configuration section. */
  readonly config: CustomLabelsAssistConfig;
  /** The review portal (review mode `portal`): its image store holds the images, its tasks take the reviews. */
  readonly reviewPortal?: ReviewPortal;
}

/** Thin stack around {@link CustomLabelsAssist}: configuration in, outputs out (read by `mlw labels`). */
export class CustomLabelsAssistStack extends Stack {
  /** The workflow. */
  public readonly assist: CustomLabelsAssist;

  constructor(scope: Construct, id: string, props: CustomLabelsAssistStackProps) {
    super(scope, id, props);
    const { config } = props;
    const portal = config.review === 'portal' ? props.reviewPortal : undefined;
    const gt = config.review === 'ground-truth' ? config.groundTruth : undefined;
    const accounts = gt
      ? new CfnMapping(this, 'BuiltInTaskLambdaAccounts', { mapping: { ...BUILT_IN_TASK_LAMBDA_MAPPING } })
      : undefined;
    this.assist = new CustomLabelsAssist(this, 'Assist', {
      projectArn: config.projectArn,
      imagesBucket: portal?.imagesBucket,
      imageOrigins: config.imageOrigins,
      reviewBackend: portal,
      groundTruth:
        gt && accounts ? { ...gt, builtInLambdaAccount: accounts.findInMap(Aws.REGION, 'account') } : undefined,
      minInferenceUnits: config.minInferenceUnits,
      minConfidence: config.minConfidence,
      imagesPerPage: config.imagesPerPage,
      imagesPerTask: config.imagesPerTask,
      detectConcurrency: config.detectConcurrency,
      maxImagesPerRun: config.maxImagesPerRun,
      reviewWait: Duration.days(config.reviewWaitDays),
      reviewPoll: Duration.minutes(config.reviewPollMinutes),
      maxIdleMinutes: config.maxIdleMinutes,
      idleCheckInterval: Duration.minutes(config.idleCheckMinutes),
      inferenceHoursAlarm: config.inferenceHoursAlarm,
      labelAttribute: config.labelAttribute,
    });
    const out = (key: string, value: string, description: string) => new CfnOutput(this, key, { value, description });
    out(
      CLA_OUTPUTS.STATE_MACHINE_ARN,
      this.assist.stateMachine.stateMachineArn,
      'Start a run: mlw labels assist start --images s3://…/',
    );
    out(CLA_OUTPUTS.PROJECT_ARN, this.assist.projectArn, 'The Custom Labels project (mlw labels model status)');
    out(CLA_OUTPUTS.BUCKET, this.assist.bucket.bucketName, 'Upload images here; runs keep their files under runs/');
    out(
      'AlarmTopicArn',
      this.assist.operations.alarmTopic.topicArn,
      'Alarms of the workflow (inference hours, failed runs)',
    );
  }
}
