import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConfigurationError } from '../../shared/errors';
import {
  A2I_CONTENT_CLASSIFIERS,
  type A2iContentClassifier,
  REVIEW_BACKEND_KINDS,
  REVIEW_ENV,
  type ReviewBackend,
} from '../contract';
import { A2iReviewBackend } from './a2i';
import { type StartHumanLoop, a2iRuntime } from './a2i-runtime';
import { portalBackendFromEnv } from './portal';

let a2iClient: StartHumanLoop | undefined;
let dynamoClient: DynamoDBClient | undefined;

/**
 * The review back end named by `REVIEW_BACKEND` (set by the CDK back end's `bindStarter`), configured from the same
 * environment. Create it once at module scope (or lazily, once). Clients are shared across calls.
 *
 * @throws ConfigurationError naming the variable and the value when the back end is unknown or its settings are
 * missing or invalid.
 */
export function createReviewBackend(env: Readonly<Record<string, string | undefined>> = process.env): ReviewBackend {
  const kind = env[REVIEW_ENV.BACKEND];
  switch (kind) {
    case 'a2i': {
      const flowDefinitionArn = env[REVIEW_ENV.FLOW_DEFINITION_ARN];
      if (
        !flowDefinitionArn ||
        !/^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:flow-definition\/.+$/.test(flowDefinitionArn)
      ) {
        throw new ConfigurationError(
          `${REVIEW_ENV.FLOW_DEFINITION_ARN} is ${flowDefinitionArn ? `invalid: ${JSON.stringify(flowDefinitionArn)}` : 'missing'}; expected a SageMaker flow definition ARN`,
        );
      }
      const classifiers = (env[REVIEW_ENV.A2I_CONTENT_CLASSIFIERS] ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      const unknown = classifiers.filter((c) => !(A2I_CONTENT_CLASSIFIERS as readonly string[]).includes(c));
      if (unknown.length > 0) {
        throw new ConfigurationError(
          `${REVIEW_ENV.A2I_CONTENT_CLASSIFIERS} has unknown values ${unknown.join(', ')}; allowed: ${A2I_CONTENT_CLASSIFIERS.join(', ')}`,
        );
      }
      a2iClient ??= a2iRuntime();
      return new A2iReviewBackend(a2iClient, flowDefinitionArn, classifiers as A2iContentClassifier[]);
    }
    case 'portal':
      return portalBackendFromEnv(env, (dynamoClient ??= new DynamoDBClient({})));
    default:
      throw new ConfigurationError(
        `${REVIEW_ENV.BACKEND} is ${kind === undefined ? 'missing' : JSON.stringify(kind)}; supported review back ends: ${REVIEW_BACKEND_KINDS.join(', ')}`,
      );
  }
}
