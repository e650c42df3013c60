import { Duration, aws_apigateway as apigw } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import {
  CLASSIFIER_NAME_PATTERN,
  LIMITS,
  MAX_CLASSIFIER_NAME_LENGTH,
  MAX_LABEL_LENGTH,
  MAX_REQUEST_ID_LENGTH,
} from '../../../lambdas/active-learning/contract';
import { type HandlerFunction } from '../../shared/handler-function';
import { acknowledge } from '../../shared/nag';
import { WorkflowRestApi, jsonBodyModels } from '../../shared/rest-api';

const classifierSchema: apigw.JsonSchema = {
  type: apigw.JsonSchemaType.STRING,
  maxLength: MAX_CLASSIFIER_NAME_LENGTH,
  pattern: CLASSIFIER_NAME_PATTERN.source,
};
const sentenceSchema: apigw.JsonSchema = {
  type: apigw.JsonSchemaType.STRING,
  minLength: 1,
  maxLength: LIMITS.UTTERANCE_BYTES,
  pattern: '\\S',
};

/** JSON schema (draft 4) of `POST /classify`: `{classifier, sentence}` and nothing else. */
export function classifyRequestSchema(): apigw.JsonSchema {
  return {
    schema: apigw.JsonSchemaVersion.DRAFT4,
    title: 'ClassifyRequest',
    type: apigw.JsonSchemaType.OBJECT,
    required: ['classifier', 'sentence'],
    additionalProperties: false,
    maxProperties: 2,
    properties: { classifier: classifierSchema, sentence: sentenceSchema },
  };
}

/** JSON schema (draft 4) of `POST /feedback`: `{classifier, sentence, expectedLabel?, prediction?, requestId?}`. */
export function feedbackRequestSchema(): apigw.JsonSchema {
  const text = (maxLength: number): apigw.JsonSchema => ({
    type: apigw.JsonSchemaType.STRING,
    minLength: 1,
    maxLength,
  });
  return {
    schema: apigw.JsonSchemaVersion.DRAFT4,
    title: 'FeedbackRequest',
    type: apigw.JsonSchemaType.OBJECT,
    required: ['classifier', 'sentence'],
    additionalProperties: false,
    maxProperties: 5,
    properties: {
      classifier: classifierSchema,
      sentence: sentenceSchema,
      expectedLabel: text(MAX_LABEL_LENGTH),
      prediction: text(MAX_LABEL_LENGTH),
      requestId: text(MAX_REQUEST_ID_LENGTH),
    },
  };
}

/** Props of {@link createClassifierApi}. */
export interface ClassifierApiProps {
  readonly classifyFunction: HandlerFunction;
  readonly feedbackFunction: HandlerFunction;
  /** Requests per month of the API key. */
  readonly quotaPerMonth: number;
  readonly rateLimit: number;
  readonly burstLimit: number;
  /** CORS origins; none: no CORS. */
  readonly allowedOrigins: readonly string[];
}

/**
 * `POST /classify` and `POST /feedback` (`Api`): API key and usage plan (quota, throttling), both bodies validated
 * against bounded models for every content type.
 */
export function createClassifierApi(
  scope: Construct,
  props: ClassifierApiProps,
): { api: apigw.RestApi; key: apigw.IApiKey; plan: apigw.UsagePlan } {
  const api = new WorkflowRestApi(scope, 'Api', {
    description: 'Active learning: classify and feedback',
    rateLimit: props.rateLimit,
    burstLimit: props.burstLimit,
    apiKeySourceType: apigw.ApiKeySourceType.HEADER,
    cors:
      props.allowedOrigins.length > 0
        ? {
            allowOrigins: [...props.allowedOrigins],
            allowMethods: ['POST', 'OPTIONS'],
            allowHeaders: ['Content-Type', 'X-Api-Key'],
            maxAge: Duration.hours(1),
          }
        : undefined,
    withoutWebAclReason:
      'AWS WAF is an account-level choice with its own cost; the API is protected by API keys, a usage plan quota and throttling.',
  });
  const validator = api.addRequestValidator('BodyValidator', {
    validateRequestBody: true,
    validateRequestParameters: true,
  });
  const classifyModel = api.addModel('ClassifyRequest', {
    contentType: 'application/json',
    description: '{classifier, sentence}',
    schema: classifyRequestSchema(),
  });
  const feedbackModel = api.addModel('FeedbackRequest', {
    contentType: 'application/json',
    description: '{classifier, sentence, expectedLabel?, prediction?, requestId?}',
    schema: feedbackRequestSchema(),
  });
  for (const [path, fn, model] of [
    ['classify', props.classifyFunction, classifyModel],
    ['feedback', props.feedbackFunction, feedbackModel],
  ] as const) {
    const method = api.root.addResource(path).addMethod('POST', new apigw.LambdaIntegration(fn), {
      apiKeyRequired: true,
      requestValidator: validator,
      requestModels: jsonBodyModels(model),
      operationName: path,
    });
    acknowledge(
      method,
      'Callers are applications identified by an API key with a usage plan (quota and throttling), as the workflow specifies; put an IAM or Cognito authorizer in front for end users.',
      'AwsSolutions-APIG4',
      'AwsSolutions-COG4',
    );
  }
  api.acknowledgeCorsPreflight();
  const key = api.addApiKey('ApiKey', { description: 'Active-learning API key' });
  const plan = api.addUsagePlan('UsagePlan', {
    description: 'Active-learning API quota and throttling',
    quota: { limit: props.quotaPerMonth, period: apigw.Period.MONTH },
    throttle: { rateLimit: props.rateLimit, burstLimit: props.burstLimit },
    apiStages: [{ api, stage: api.deploymentStage }],
  });
  plan.addApiKey(key);
  return { api, key, plan };
}
