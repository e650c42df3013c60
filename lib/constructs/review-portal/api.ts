import {
  Duration,
  aws_apigateway as apigw,
  type aws_cognito as cognito,
  type aws_dynamodb as dynamodb,
  type aws_iam as iam,
} from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import {
  MAX_ANSWERS_PER_SUBMISSION,
  MAX_LABEL_LENGTH,
  MAX_LABELS_PER_ANSWER,
  REVIEW_PORTAL_ENV as ENV,
  REVIEW_PORTAL_SERVICE,
  REVIEW_ROUTES,
  type ReviewRoute,
} from '../../../lambdas/review-portal/contract';
import { MAX_BOXES_PER_IMAGE } from '../../../lambdas/review/contract';
import { HandlerFunction } from '../../shared/handler-function';
import { lambdaEntry } from '../../shared/paths';
import { WorkflowRestApi, jsonBodyModels } from '../../shared/rest-api';
import { grantTaskTable } from './task-table';

/**
 * The JSON schema (draft 4, what API Gateway models use) of `POST /tasks/{taskId}/answers`:
 * `{"answers": {"textCategory<index>": "<category>" | ["<category>", …], "annotatedResult<index>": {…}}}` and nothing
 * else, with every size bounded.
 */
export function submissionSchema(): apigw.JsonSchema {
  const label: apigw.JsonSchema = { type: apigw.JsonSchemaType.STRING, minLength: 1, maxLength: MAX_LABEL_LENGTH };
  return {
    schema: apigw.JsonSchemaVersion.DRAFT4,
    title: 'Submission',
    type: apigw.JsonSchemaType.OBJECT,
    required: ['answers'],
    additionalProperties: false,
    maxProperties: 1,
    properties: {
      answers: {
        type: apigw.JsonSchemaType.OBJECT,
        minProperties: 1,
        maxProperties: MAX_ANSWERS_PER_SUBMISSION,
        additionalProperties: false,
        patternProperties: {
          // Draft 4 cannot bound the length of a property name; maxProperties and API Gateway's 10 MB payload limit do.
          '^textCategory[0-9]+$': {
            oneOf: [
              label,
              { type: apigw.JsonSchemaType.ARRAY, minItems: 1, maxItems: MAX_LABELS_PER_ANSWER, items: label },
            ],
          },
          '^annotatedResult[0-9]+$': boxAnswerSchema(label),
        },
      },
    },
  };
}

/**
 * One image's answer (`annotatedResult<index>`): a decision per proposed box, the boxes drawn, or the whole image
 * rejected; at most {@link MAX_BOXES_PER_IMAGE} of each, labels bounded like text answers, coordinates numbers.
 */
function boxAnswerSchema(label: apigw.JsonSchema): apigw.JsonSchema {
  const coordinate: apigw.JsonSchema = { type: apigw.JsonSchemaType.NUMBER, minimum: 0, maximum: 100_000 };
  return {
    type: apigw.JsonSchemaType.OBJECT,
    additionalProperties: false,
    maxProperties: 3,
    properties: {
      decisions: {
        type: apigw.JsonSchemaType.ARRAY,
        maxItems: MAX_BOXES_PER_IMAGE,
        items: {
          type: apigw.JsonSchemaType.OBJECT,
          additionalProperties: false,
          maxProperties: 2,
          required: ['decision'],
          properties: { decision: { type: apigw.JsonSchemaType.STRING, enum: ['accept', 'reject', 'relabel'] }, label },
        },
      },
      added: {
        type: apigw.JsonSchemaType.ARRAY,
        maxItems: MAX_BOXES_PER_IMAGE,
        items: {
          type: apigw.JsonSchemaType.OBJECT,
          additionalProperties: false,
          maxProperties: 5,
          required: ['label', 'left', 'top', 'width', 'height'],
          properties: { label, left: coordinate, top: coordinate, width: coordinate, height: coordinate },
        },
      },
      imageRejected: { type: apigw.JsonSchemaType.BOOLEAN },
    },
  };
}

/** Props of {@link createReviewApi}. */
export interface ReviewApiProps {
  readonly table: dynamodb.ITable;
  readonly userPool: cognito.IUserPool;
  /** The portal's own origin (CORS, error answers). */
  readonly portalUrl: string;
  /** Every origin allowed by CORS (the portal first). */
  readonly allowedOrigins: readonly string[];
  readonly rateLimit: number;
  readonly burstLimit: number;
  /** Environment of every API function (task settings). */
  readonly environment: Readonly<Record<string, string>>;
}

/** The review API and its functions by route id. */
export interface ReviewApi {
  readonly api: WorkflowRestApi;
  readonly functions: Readonly<Record<string, HandlerFunction>>;
}

/**
 * The review API (`Api`): one function per route of `REVIEW_ROUTES`, every method behind the Cognito authorizer and a
 * request validator, the submission body bounded by a model for every content type, CORS for the portal's origins,
 * and CORS headers on API Gateway's own 4xx/5xx answers so the page can show them.
 */
export function createReviewApi(scope: Construct, props: ReviewApiProps): ReviewApi {
  const api = new WorkflowRestApi(scope, 'Api', {
    description: 'Review portal API: claim, read, answer and skip review tasks',
    rateLimit: props.rateLimit,
    burstLimit: props.burstLimit,
    cors: {
      allowOrigins: [...props.allowedOrigins],
      allowMethods: ['GET', 'POST', 'OPTIONS'],
      allowHeaders: ['Authorization', 'Content-Type'],
      maxAge: Duration.hours(1),
    },
    withoutWebAclReason:
      'Every method needs a Cognito token of the reviewers group and the stage is throttled; attach a regional web ACL to the stage where the account uses AWS WAF.',
  });
  for (const [id, type] of [
    ['Default4xx', apigw.ResponseType.DEFAULT_4XX],
    ['Default5xx', apigw.ResponseType.DEFAULT_5XX],
  ] as const) {
    api.addGatewayResponse(id, {
      type,
      responseHeaders: { 'Access-Control-Allow-Origin': `'${props.portalUrl}'`, Vary: "'Origin'" },
    });
  }
  const authorizer = new apigw.CognitoUserPoolsAuthorizer(scope, 'Authorizer', { cognitoUserPools: [props.userPool] });
  const validator = new apigw.RequestValidator(scope, 'Validator', {
    restApi: api,
    validateRequestBody: true,
    validateRequestParameters: true,
  });
  const submissionModel = api.addModel('Submission', {
    contentType: 'application/json',
    description:
      'Answers: textCategory<index> → a category (or a list for multi-label tasks); annotatedResult<index> → box decisions',
    schema: submissionSchema(),
  });

  const functions: Record<string, HandlerFunction> = {};
  for (const route of REVIEW_ROUTES) {
    const fn = new HandlerFunction(scope, route.id, {
      entry: lambdaEntry(`review-portal/${route.handler}.ts`),
      invocation: 'sync',
      serviceName: REVIEW_PORTAL_SERVICE.PORTAL,
      description: `Review portal API: ${route.method} ${route.path}`,
      timeout: Duration.seconds(10),
      environment: { ...props.environment, [ENV.ALLOWED_ORIGINS]: props.allowedOrigins.join(',') },
    });
    fn.bind(ENV.TASK_TABLE, props.table.tableName, (g) => grantRoute(route, props.table, g));
    const hasTaskId = route.path.includes('{taskId}');
    api.root.resourceForPath(route.path).addMethod(route.method, new apigw.LambdaIntegration(fn), {
      authorizer,
      authorizationType: apigw.AuthorizationType.COGNITO,
      requestValidator: validator,
      requestParameters: hasTaskId ? { 'method.request.path.taskId': true } : undefined,
      requestModels: route.handler === 'submit-answers' ? jsonBodyModels(submissionModel) : undefined,
    });
    functions[route.id] = fn;
  }
  api.acknowledgeCorsPreflight();
  return { api, functions };
}

/** The table actions each route needs, and nothing else. */
function grantRoute(route: ReviewRoute, table: dynamodb.ITable, grantee: iam.IGrantable): void {
  switch (route.handler) {
    case 'claim-task':
      grantTaskTable(table, grantee, ['dynamodb:Query'], 'queue-index');
      grantTaskTable(table, grantee, ['dynamodb:GetItem', 'dynamodb:UpdateItem']);
      break;
    case 'queue-stats':
      grantTaskTable(table, grantee, ['dynamodb:Query'], 'queue-index');
      break;
    case 'get-task':
      grantTaskTable(table, grantee, ['dynamodb:GetItem']);
      break;
    default:
      grantTaskTable(table, grantee, ['dynamodb:GetItem', 'dynamodb:UpdateItem']);
  }
}
