import { GetParameterError } from '@aws-lambda-powertools/parameters';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { type SSMClient } from '@aws-sdk/client-ssm';
import { awsErrorName } from '../../shared/errors';

/**
 * The classify handler's SSM lookup of endpoint ARNs, through the Powertools Parameters utility: each value is cached
 * in memory for `maxAgeSeconds` (so a retraining workflow that updates a parameter switches the live endpoint within
 * that delay). A parameter that does not exist answers `undefined` (the core turns it into 404); other errors (access
 * denied, throttling) propagate with the SDK error as `cause`.
 */
export function endpointParameterFetcher(
  client: SSMClient,
  maxAgeSeconds: number,
): (name: string) => Promise<string | undefined> {
  const provider = new SSMProvider({ awsSdkV3Client: client });
  return async (name) => {
    try {
      return await provider.get(name, { maxAge: maxAgeSeconds });
    } catch (error) {
      const cause = error instanceof GetParameterError ? error.cause : error;
      if (awsErrorName(cause) === 'ParameterNotFound') return undefined;
      throw error;
    }
  };
}
