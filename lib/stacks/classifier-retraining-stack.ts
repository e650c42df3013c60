import { CfnOutput, Duration, Stack, type StackProps, aws_kms as kms } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { ENDPOINT_PLACEHOLDER } from '../../lambdas/active-learning/contract';
import { type ClassifierRetrainingConfig } from '../config/classifier-retraining';
import { type ActiveLearningLoop } from '../constructs/active-learning';
import { ClassifierRetraining, type RetrainingEndpoint } from '../constructs/classifier-retraining';

/** Props of {@link ClassifierRetrainingStack}. */
export interface ClassifierRetrainingStackProps extends StackProps {
  /** The `classifierRetraining` configuration section. */
  readonly config: ClassifierRetrainingConfig;
  /** The active-learning loop whose classifier is retrained (its public fields: bucket, classifier, settings). */
  readonly loop: ActiveLearningLoop;
}

/** Names of the stack outputs (read by `mlw retrain`). */
export const CLASSIFIER_RETRAINING_OUTPUTS = {
  STATE_MACHINE: 'StateMachineArn',
  RUN_TABLE: 'RunTableName',
  CLASSIFIER: 'ClassifierName',
  DATA_BUCKET: 'DataBucketName',
  ALARM_TOPIC: 'AlarmTopicArn',
} as const;

/** The loop's endpoint, as the retraining workflow sees it. */
export function retrainingEndpointOf(loop: ActiveLearningLoop): RetrainingEndpoint {
  const classifier = loop.classifier;
  switch (classifier.mode) {
    case 'ssm-parameter':
      return { source: 'ssm-parameter', parameter: classifier.parameter!, placeholder: ENDPOINT_PLACEHOLDER };
    case 'endpoint-arn':
      return { source: 'endpoint-arn', endpointArn: classifier.endpointArn! };
    default:
      return { source: 'cloudformation', endpointArn: classifier.endpointArn };
  }
}

/** Thin stack around {@link ClassifierRetraining}, deployed after the active-learning stack. */
export class ClassifierRetrainingStack extends Stack {
  /** The workflow. */
  public readonly retraining: ClassifierRetraining;

  constructor(scope: Construct, id: string, props: ClassifierRetrainingStackProps) {
    super(scope, id, props);
    const { config, loop } = props;
    const key = (name: string, keyArn?: string) => (keyArn ? kms.Key.fromKeyArn(this, name, keyArn) : undefined);
    this.retraining = new ClassifierRetraining(this, 'Retraining', {
      dataBucket: loop.dataBucket,
      classifierName: loop.classifier.classifierName,
      endpoint: retrainingEndpointOf(loop),
      multiLabel: loop.multiLabel,
      languageCode: loop.classifier.languageCode,
      mode: config.mode,
      approval: config.approval,
      schedule: config.schedule,
      baseTrainingDataUri: config.baseTrainingDataUri,
      testDataUri: config.testDataUri,
      minNewRows: config.minNewRows,
      minImprovement: config.minImprovement,
      minF1: config.minF1,
      keepVersions: config.keepVersions,
      inferenceUnits: config.inferenceUnits,
      volumeKmsKey: key('VolumeKey', config.volumeKmsKeyArn),
      modelKmsKey: key('ModelKey', config.modelKmsKeyArn),
      trainingPollInterval: Duration.minutes(config.trainingPollMinutes),
      maxRunDuration: Duration.hours(config.maxRunHours),
    });
    const out = CLASSIFIER_RETRAINING_OUTPUTS;
    new CfnOutput(this, out.STATE_MACHINE, {
      value: this.retraining.stateMachine.stateMachineArn,
      description: 'mlw retrain start | status | approve | reject | rollback',
    });
    new CfnOutput(this, out.RUN_TABLE, {
      value: this.retraining.runTable.tableName,
      description: 'The run lock and the promoted model',
    });
    new CfnOutput(this, out.CLASSIFIER, { value: loop.classifier.classifierName, description: 'Classifier retrained' });
    new CfnOutput(this, out.DATA_BUCKET, {
      value: loop.dataBucket.bucketName,
      description: 'Runs write under retraining/<run id>/',
    });
    new CfnOutput(this, out.ALARM_TOPIC, {
      value: this.retraining.operations.alarmTopic.topicArn,
      description: 'Alarms of the retraining workflow',
    });
  }
}
