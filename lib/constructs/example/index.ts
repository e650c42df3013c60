import { Duration, aws_events as events, type aws_s3 as s3 } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  EXAMPLE_ENV,
  EXAMPLE_INCOMING_PREFIX,
  EXAMPLE_SERVICE,
  EXAMPLE_SUMMARY_PREFIX,
} from '../../../lambdas/example/contract';
import { validateRange } from '../../shared/errors';
import { functionTarget, objectCreatedPattern } from '../../shared/events';
import { grantObjects } from '../../shared/grants';
import { HandlerFunction } from '../../shared/handler-function';
import { WorkflowOperations } from '../../shared/operations';
import { lambdaEntry } from '../../shared/paths';
import { SecureBucket } from '../../shared/secure-bucket';

/** Props of {@link JsonLinesInspector}. */
export interface JsonLinesInspectorProps {
  /**
   * Expire uploads and summaries this many days after creation.
   * @default 30
   */
  readonly expireAfterDays?: number;
}

/**
 * The example workflow that proves the app's machinery: a secure bucket and one house function that streams every
 * `incoming/*.jsonl` upload and writes `summaries/<key>.summary.json` (line counts, invalid lines, key histogram).
 */
export class JsonLinesInspector extends Construct {
  /** Bucket for uploads and summaries. */
  public readonly bucket: s3.Bucket;
  /** The inspecting function. */
  public readonly inspectFunction: HandlerFunction;
  /** Dashboard and alarms. */
  public readonly operations: WorkflowOperations;

  constructor(scope: Construct, id: string, props: JsonLinesInspectorProps = {}) {
    super(scope, id);
    validateRange(this, 'expireAfterDays', props.expireAfterDays, 1, 3650, ' days');

    this.bucket = new SecureBucket(this, 'Bucket', {
      expireAfter: Duration.days(props.expireAfterDays ?? 30),
      eventBridgeEnabled: true,
    });
    this.inspectFunction = new HandlerFunction(this, 'InspectUpload', {
      entry: lambdaEntry('example/inspect-upload.ts'),
      invocation: 'async',
      serviceName: EXAMPLE_SERVICE.INSPECT_UPLOAD,
      description: 'Summarizes JSON-lines uploads (example workflow)',
      timeout: Duration.minutes(5),
    }).bind(EXAMPLE_ENV.BUCKET, this.bucket.bucketName, (g) => {
      grantObjects(this.bucket, g, 'read', `${EXAMPLE_INCOMING_PREFIX}*`);
      grantObjects(this.bucket, g, 'write', `${EXAMPLE_SUMMARY_PREFIX}*`);
    });
    // S3 → EventBridge → Lambda: the rule target gets bounded retries and the function's dead-letter queue, and no
    // bucket-notification custom resource is needed.
    new events.Rule(this, 'UploadCreated', {
      description: 'JSON-lines upload created under incoming/',
      eventPattern: objectCreatedPattern(this.bucket, { prefix: EXAMPLE_INCOMING_PREFIX }),
      targets: [functionTarget(this.inspectFunction)],
    });

    this.operations = new WorkflowOperations(this, 'Operations', { title: 'Example: JSON-lines inspector' });
    this.operations.addFunction('InspectUpload', this.inspectFunction);
    if (this.inspectFunction.deadLetterQueue) {
      this.operations.addDeadLetterQueue('InspectUploadDlq', this.inspectFunction.deadLetterQueue);
    }
  }
}
