import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { type ExampleConfig } from '../config/example';
import { JsonLinesInspector } from '../constructs/example';

/** Props of {@link ExampleStack}. */
export interface ExampleStackProps extends StackProps {
  /** The `example` configuration section. */
  readonly config: ExampleConfig;
}

/** Thin stack around {@link JsonLinesInspector}. */
export class ExampleStack extends Stack {
  constructor(scope: Construct, id: string, props: ExampleStackProps) {
    super(scope, id, props);
    const inspector = new JsonLinesInspector(this, 'Inspector', { expireAfterDays: props.config.expireAfterDays });
    new CfnOutput(this, 'BucketName', {
      value: inspector.bucket.bucketName,
      description: 'Upload incoming/*.jsonl here',
    });
  }
}
