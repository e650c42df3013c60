import { Stack, aws_comprehend as comprehend, aws_iam as iam, aws_ssm as ssm } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ACTIVE_LEARNING_ENV, ENDPOINT_PLACEHOLDER } from '../../../lambdas/active-learning/contract';
import { ConstructValidationError, validatePattern, validateRange } from '../../shared/errors';
import { type HandlerFunction } from '../../shared/handler-function';
import { acknowledge } from '../../shared/nag';

/** Classifier names: the `classifier` field of requests. */
export const CLASSIFIER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** How the classify API finds the classifier's Comprehend endpoint. */
export type ClassifierEndpointOptions =
  | {
      /**
       * The endpoint ARN of classifier `x` is read from SSM parameter `<parameterPrefix>/x`, cached for
       * `cacheSeconds`. The parameter of `name` is created holding a placeholder (the API answers 503 until the
       * operator puts the real ARN there), so a first deployment needs no endpoint, and a retraining workflow can
       * switch endpoints live. Other classifiers are served by adding parameters under the prefix.
       */
      readonly mode: 'ssm-parameter';
      /** @default 'default' */
      readonly name?: string;
      /** @default `/<stack name>/classifier-endpoints` */
      readonly parameterPrefix?: string;
      /** @default 60 */
      readonly cacheSeconds?: number;
    }
  | {
      /** One classifier served by a fixed, existing endpoint. */
      readonly mode: 'endpoint-arn';
      /** @default 'default' */
      readonly name?: string;
      readonly endpointArn: string;
    }
  | {
      /** The stack trains a classifier (`CfnDocumentClassifier`) from CSV in S3 and creates its endpoint. */
      readonly mode: 'create';
      /** @default 'default' */
      readonly name?: string;
      /** `s3://bucket/key-or-prefix` of Comprehend training CSV. */
      readonly trainingDataUri: string;
      /** @default 'en' */
      readonly languageCode?: string;
      /** @default false */
      readonly multiLabel?: boolean;
      /** @default 1 */
      readonly inferenceUnits?: number;
    };

/**
 * The classifier endpoint wiring of the classify function: one of three modes, each granting exactly the
 * `comprehend:ClassifyDocument` (and `ssm:GetParameter`) it needs.
 */
export class ClassifierEndpoint extends Construct {
  /** The classifier name served by default. */
  public readonly classifierName: string;
  /** The parameter holding the endpoint ARN (`ssm-parameter` mode). */
  public readonly parameter?: ssm.StringParameter;
  /** The parameter prefix (`ssm-parameter` mode). */
  public readonly parameterPrefix?: string;
  /** The trained classifier (`create` mode). */
  public readonly documentClassifier?: comprehend.CfnDocumentClassifier;
  /** The endpoint ARN, when known to the stack (`endpoint-arn` and `create` modes). */
  public readonly endpointArn?: string;
  /**
   * Who owns the endpoint: `ssm-parameter` (whatever the parameter names: an operator or the retraining workflow),
   * `endpoint-arn` (a fixed endpoint created outside the app), `create` (this stack: CloudFormation owns it).
   */
  public readonly mode: ClassifierEndpointOptions['mode'];
  /** Language of the classifier's documents (`create` mode's `languageCode`; `en` otherwise). */
  public readonly languageCode: string;
  private readonly options: ClassifierEndpointOptions;

  constructor(scope: Construct, id: string, options: ClassifierEndpointOptions) {
    super(scope, id);
    this.options = options;
    this.mode = options.mode;
    this.languageCode = options.mode === 'create' ? (options.languageCode ?? 'en') : 'en';
    this.classifierName = options.name ?? 'default';
    validatePattern(
      this,
      'classifier.name',
      this.classifierName,
      CLASSIFIER_NAME,
      'must be 1-63 letters, digits, "_", "." or "-", starting with a letter or digit',
    );
    switch (options.mode) {
      case 'ssm-parameter': {
        validateRange(this, 'classifier.cacheSeconds', options.cacheSeconds, 0, 3600, ' seconds');
        this.parameterPrefix = options.parameterPrefix ?? `/${Stack.of(this).stackName}/classifier-endpoints`;
        validatePattern(
          this,
          'classifier.parameterPrefix',
          this.parameterPrefix,
          /^(\/[A-Za-z0-9_.-]+)+$/,
          'must be an SSM parameter path such as /ml/classifier-endpoints',
        );
        this.parameter = new ssm.StringParameter(this, 'EndpointParameter', {
          // The operator (or a retraining workflow) updates this parameter: its name is the interface, so it is fixed.
          parameterName: `${this.parameterPrefix}/${this.classifierName}`,
          stringValue: ENDPOINT_PLACEHOLDER,
          description: `Comprehend endpoint ARN of classifier "${this.classifierName}" (replace the placeholder after deploying)`,
        });
        break;
      }
      case 'endpoint-arn':
        validatePattern(
          this,
          'classifier.endpointArn',
          options.endpointArn,
          /^arn:aws[a-z-]*:comprehend:[a-z0-9-]+:\d{12}:document-classifier-endpoint\/[A-Za-z0-9-]+$/,
          'must be a Comprehend document classifier endpoint ARN',
        );
        this.endpointArn = options.endpointArn;
        break;
      case 'create': {
        validateRange(this, 'classifier.inferenceUnits', options.inferenceUnits, 1, 100);
        const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(options.trainingDataUri);
        if (!match?.[1])
          throw new ConstructValidationError(
            this,
            'classifier.trainingDataUri',
            options.trainingDataUri,
            'must be s3://bucket/key-or-prefix of Comprehend training CSV',
          );
        const [, bucket, key = ''] = match;
        const role = new iam.Role(this, 'DataAccessRole', {
          assumedBy: new iam.ServicePrincipal('comprehend.amazonaws.com'),
          description: 'Comprehend reads the classifier training data with this role',
        });
        role.addToPolicy(
          new iam.PolicyStatement({
            actions: ['s3:GetObject'],
            resources: [`arn:${Stack.of(this).partition}:s3:::${bucket}/${key}*`],
          }),
        );
        role.addToPolicy(
          new iam.PolicyStatement({
            actions: ['s3:ListBucket'],
            resources: [`arn:${Stack.of(this).partition}:s3:::${bucket}`],
            conditions: { StringLike: { 's3:prefix': [`${key}*`] } },
          }),
        );
        acknowledge(
          role,
          'Training data is a CSV file or every file under a prefix (Comprehend reads them all); the grant is limited to that prefix and to s3:GetObject.',
          `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${bucket}/${key}*]`,
        );
        const base = this.node.addr.slice(0, 8);
        this.documentClassifier = new comprehend.CfnDocumentClassifier(this, 'Classifier', {
          documentClassifierName: `${this.classifierName.replace(/[^A-Za-z0-9-]/g, '-')}-${base}`.slice(0, 63),
          dataAccessRoleArn: role.roleArn,
          languageCode: options.languageCode ?? 'en',
          mode: options.multiLabel ? 'MULTI_LABEL' : 'MULTI_CLASS',
          inputDataConfig: {
            s3Uri: options.trainingDataUri,
            dataFormat: 'COMPREHEND_CSV',
            ...(options.multiLabel ? { labelDelimiter: '|' } : {}),
          },
        });
        this.documentClassifier.node.addDependency(role);
        const endpoint = new comprehend.CfnDocumentClassifierEndpoint(this, 'Endpoint', {
          endpointName: `${this.classifierName.replace(/[^A-Za-z0-9-]/g, '-')}-${base}`.slice(0, 40),
          modelArn: this.documentClassifier.attrArn,
          desiredInferenceUnits: options.inferenceUnits ?? 1,
        });
        this.endpointArn = endpoint.attrArn;
        break;
      }
    }
  }

  /** Set the classify function's endpoint variables and grant exactly what it needs to resolve and call endpoints. */
  public bind(fn: HandlerFunction): void {
    const stack = Stack.of(this);
    if (this.options.mode === 'ssm-parameter') {
      fn.addEnvironment(ACTIVE_LEARNING_ENV.ENDPOINT_MODE, 'ssm-parameter');
      fn.addEnvironment(ACTIVE_LEARNING_ENV.ENDPOINT_CACHE_SECONDS, String(this.options.cacheSeconds ?? 60));
      fn.bind(ACTIVE_LEARNING_ENV.ENDPOINT_PARAMETER_PREFIX, this.parameterPrefix!, (grantee) => {
        iam.Grant.addToPrincipal({
          grantee,
          actions: ['ssm:GetParameter'],
          resourceArns: [
            stack.formatArn({
              service: 'ssm',
              resource: 'parameter',
              resourceName: `${this.parameterPrefix!.slice(1)}/*`,
            }),
          ],
        });
        // The endpoints are whatever the parameters hold, switched at run time by the operator or a retraining workflow.
        iam.Grant.addToPrincipal({
          grantee,
          actions: ['comprehend:ClassifyDocument'],
          resourceArns: [
            stack.formatArn({ service: 'comprehend', resource: 'document-classifier-endpoint', resourceName: '*' }),
          ],
        });
      });
      acknowledge(
        fn.role!,
        `Classifier endpoints are read from SSM parameters under ${this.parameterPrefix} and switched at run time (retraining), so ClassifyDocument is allowed on this account's classifier endpoints and GetParameter on that path only.`,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter${this.parameterPrefix}/*]`,
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:comprehend:<AWS::Region>:<AWS::AccountId>:document-classifier-endpoint/*]',
      );
      return;
    }
    fn.addEnvironment(ACTIVE_LEARNING_ENV.ENDPOINT_MODE, 'endpoint-arn');
    fn.bind(
      ACTIVE_LEARNING_ENV.ENDPOINTS,
      stack.toJsonString({ [this.classifierName]: this.endpointArn! }),
      (grantee) =>
        iam.Grant.addToPrincipal({
          grantee,
          actions: ['comprehend:ClassifyDocument'],
          resourceArns: [this.endpointArn!],
        }),
    );
  }
}
