import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseTokenSecret } from '../core/token';

/**
 * Read the GitLab token from Secrets Manager (plain string or JSON `{"token": …}`, trimmed). The value is returned,
 * never logged.
 */
export async function readGitLabToken(client: SecretsManagerClient, secretId: string): Promise<string> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  return parseTokenSecret(SecretString, secretId);
}
