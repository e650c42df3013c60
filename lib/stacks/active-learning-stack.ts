import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { type A2iContentClassifier } from '../../lambdas/review/contract';
import { type ActiveLearningConfig } from '../config/active-learning';
import { ConstructValidationError } from '../shared/errors';
import { type IReviewBackend } from '../shared/review-backend';
import { A2iReview, ActiveLearningLoop, type ClassifierEndpointOptions } from '../constructs/active-learning';

/** Props of {@link ActiveLearningStack}. */
export interface ActiveLearningStackProps extends StackProps {
  /** The `activeLearning` configuration section. */
  readonly config: ActiveLearningConfig;
  /**
   * The review back end when `config.review` is `portal` (the review portal stack's `portal`); ignored for `a2i`,
   * where the loop creates its own A2I back end.
   */
  readonly reviewBackend?: IReviewBackend;
}

/** Names of the stack outputs (the CLI reads them). */
export const ACTIVE_LEARNING_OUTPUTS = {
  API_URL: 'ApiUrl',
  API_KEY_ID: 'ApiKeyId',
  UPLOAD_BUCKET: 'UploadBucketName',
  DATA_BUCKET: 'DataBucketName',
  TRAINING_DATA_URI: 'TrainingDataUri',
  ENDPOINT_PARAMETER: 'EndpointParameterName',
  WORKTEAM_ARN: 'WorkteamArn',
  FLOW_DEFINITION_ARN: 'FlowDefinitionArn',
  WORKFORCE_USER_POOL: 'WorkforceUserPoolId',
} as const;

/** Thin stack around {@link ActiveLearningLoop}: configuration in, outputs out. */
export class ActiveLearningStack extends Stack {
  /** The loop. */
  public readonly loop: ActiveLearningLoop;

  constructor(scope: Construct, id: string, props: ActiveLearningStackProps) {
    super(scope, id, props);
    const { config } = props;
    // The configuration schema checks each classifier mode's keys and that the portal is deployed (lib/config.ts);
    // this checks the stack's own props.
    if (config.review === 'portal' && !props.reviewBackend) {
      throw new ConstructValidationError(
        this,
        'reviewBackend',
        undefined,
        "give the review portal stack's portal when config.review is portal",
      );
    }
    const c = config.classifier;
    const classifier: ClassifierEndpointOptions = c.mode === 'create' ? { ...c, multiLabel: config.multiLabel } : c;
    this.loop = new ActiveLearningLoop(this, 'Loop', {
      classifier,
      threshold: config.threshold,
      categories: config.categories,
      multiLabel: config.multiLabel,
      maxItemsPerReview: config.maxItemsPerReview,
      reviewBackend: config.review === 'portal' ? props.reviewBackend : undefined,
      a2i:
        config.review === 'portal'
          ? undefined
          : {
              workteamArn: config.a2i.workteamArn,
              workersPerReview: config.a2i.workersPerReview,
              taskTimeLimit: Duration.seconds(config.a2i.taskTimeLimitSeconds),
              taskAvailability: Duration.seconds(config.a2i.taskAvailabilitySeconds),
              // Validated against A2I_CONTENT_CLASSIFIERS by the configuration schema.
              contentClassifiers: config.a2i.contentClassifiers as A2iContentClassifier[],
            },
      api: config.api,
      feedbackBuffering: Duration.seconds(config.feedbackBufferSeconds),
      uploadExpiration: Duration.days(config.uploadExpireAfterDays),
    });
    const loop = this.loop;
    const out = ACTIVE_LEARNING_OUTPUTS;
    new CfnOutput(this, out.API_URL, {
      value: loop.api.url,
      description: 'Base URL: POST classify, POST feedback (header x-api-key)',
    });
    new CfnOutput(this, out.API_KEY_ID, {
      value: loop.apiKey.keyId,
      description: 'aws apigateway get-api-key --include-value --api-key <id>',
    });
    new CfnOutput(this, out.UPLOAD_BUCKET, {
      value: loop.uploadBucket.bucketName,
      description: 'Upload batch feedback here (*.json)',
    });
    new CfnOutput(this, out.DATA_BUCKET, {
      value: loop.dataBucket.bucketName,
      description: 'Feedback, review reports and training data',
    });
    new CfnOutput(this, out.TRAINING_DATA_URI, {
      value: loop.trainingDataUri,
      description: 'Comprehend training CSV from reviewed feedback (per classifier)',
    });
    if (loop.classifier.parameter) {
      new CfnOutput(this, out.ENDPOINT_PARAMETER, {
        value: loop.classifier.parameter.parameterName,
        description: 'Put the classifier endpoint ARN here',
      });
    }
    if (loop.reviewBackend instanceof A2iReview) {
      new CfnOutput(this, out.WORKTEAM_ARN, {
        value: loop.reviewBackend.workteamArn,
        description: 'A2I private workteam',
      });
      new CfnOutput(this, out.FLOW_DEFINITION_ARN, {
        value: loop.reviewBackend.flowDefinitionArn,
        description: 'A2I flow definition',
      });
      if (loop.reviewBackend.userPool) {
        new CfnOutput(this, out.WORKFORCE_USER_POOL, {
          value: loop.reviewBackend.userPool.userPoolId,
          description: 'Add reviewers here (group of the workteam)',
        });
      }
    }
  }
}
