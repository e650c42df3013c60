// Runs before every test file: no AWS account, no credentials, no network.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_DEFAULT_REGION ??= 'us-east-1';
// s3rver accepts only its built-in key pair; kinesalite and dynalite accept any.
process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
delete process.env.AWS_PROFILE;
delete process.env.AWS_SESSION_TOKEN;
process.env.AWS_EC2_METADATA_DISABLED = 'true';
// Keep test output quiet; tests that inspect logs set their own level before importing the handler.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'MlWorkflowsTest';
process.env.POWERTOOLS_SERVICE_NAME ??= 'test';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
// The AWS SDK's nine-line Node.js 20 support warning, once per jest worker and CLI child process: it says nothing a
// test can act on (README, engines and .nvmrc state the Node.js story). The CLI's own one-line note is tested with the
// variable unset (test/cli/errors.test.ts).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Unit synths skip the CloudFormation schema validation plugin (one CI test keeps it on).
process.env.CDK_VALIDATION ??= 'false';

// aws-local-stepfunctions needs Promise.withResolvers (Node >= 22); polyfill it on Node 20.
const promiseCtor = Promise as unknown as { withResolvers?: unknown };
if (typeof promiseCtor.withResolvers !== 'function') {
  promiseCtor.withResolvers = function withResolvers<T>() {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
