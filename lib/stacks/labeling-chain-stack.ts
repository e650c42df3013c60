import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { STATE_MACHINE_OUTPUT_KEY } from '../../lambdas/labeling-chain/contract';
import { type LabelingChainConfig } from '../config/labeling-chain';
import { LabelingJobChain } from '../constructs/labeling-chain';

/** Props of {@link LabelingChainStack}. */
export interface LabelingChainStackProps extends StackProps {
  /** The `labelingChain` configuration section. */
  readonly config: LabelingChainConfig;
}

/** Thin stack around {@link LabelingJobChain}. */
export class LabelingChainStack extends Stack {
  /** The workflow. */
  public readonly chain: LabelingJobChain;

  constructor(scope: Construct, id: string, props: LabelingChainStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.chain = new LabelingJobChain(this, 'Chain', {
      maxChainLength: config.maxChainLength,
      pollInterval: config.pollIntervalSeconds === undefined ? undefined : Duration.seconds(config.pollIntervalSeconds),
      autoContinue: config.autoContinue,
      passRoleArns: config.passRoleArns.length > 0 ? config.passRoleArns : undefined,
      manifestBuckets: config.manifestBuckets,
      manifestKmsKeyArns: config.manifestKmsKeyArns,
    });
    new CfnOutput(this, STATE_MACHINE_OUTPUT_KEY, {
      value: this.chain.stateMachine.stateMachineArn,
      description: 'Start a chain: mlw chain start --job <name>',
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.chain.operations.alarmTopic.topicArn,
      description: 'Alarms of the chain',
    });
  }
}
