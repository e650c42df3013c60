import { type Command, Option } from 'commander';
import { CliError } from './errors';

/** The global AWS options every command honours (`--region`, `--profile`, `--endpoint-url`). */
export interface AwsOptions {
  readonly region?: string;
  readonly profile?: string;
  readonly endpointUrl?: string;
}

/**
 * Client configuration shared by every SDK client the CLI creates. `profile` is the SDK's own client option: it picks
 * the credentials and the Region of that profile, like `AWS_PROFILE`.
 */
export interface ClientConfig {
  region?: string;
  profile?: string;
  endpoint?: string;
}

/** Where the Region, the credentials and the endpoint come from: printed in `--help` and with every AWS error. */
export const AWS_SETUP = {
  region:
    'Region: give --region REGION or set AWS_REGION, or use a profile that has one (--profile NAME or AWS_PROFILE)',
  credentials:
    'Credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give --profile NAME / set AWS_PROFILE (after `aws configure` or `aws sso login`)',
  endpoint: 'Endpoint: --endpoint-url URL sends every AWS call to another endpoint, e.g. a local server',
} as const;

/** Register the global AWS options on the root program. */
export function addAwsOptions(program: Command): Command {
  return program
    .option('--region <region>', "AWS Region (default: AWS_REGION, else the profile's region)")
    .option('--profile <name>', 'named profile from ~/.aws/config and ~/.aws/credentials (default: AWS_PROFILE)')
    .option('--endpoint-url <url>', 'send every AWS call to this endpoint, e.g. a local s3rver or kinesalite');
}

/** The global AWS options of a (sub)command, read from the root program. */
export function awsOptions(command: Command): AwsOptions {
  return command.optsWithGlobals<AwsOptions>();
}

/** A hidden option that writes to another option's attribute: `--stack` as an alias of `--stack-name`. */
class AliasOption extends Option {
  constructor(
    flags: string,
    private readonly target: string,
  ) {
    super(flags);
    this.hideHelp();
  }

  public override attributeName(): string {
    return this.target;
  }
}

/**
 * `--stack-name <name>`: the deployed stack whose outputs default other options (CloudFormation's own word), the one
 * name every command uses. Add {@link stackAliasOption} beside it.
 * @param reads what the command reads from the stack, e.g. "the ApiUrl output"
 */
export function stackNameOption(defaultStack: string, reads: string): Option {
  return new Option('--stack-name <name>', `deployed stack to read ${reads} from`).default(defaultStack);
}

/** `--stack <name>`: the older name of `--stack-name`, hidden from `--help` and still accepted. */
export function stackAliasOption(): Option {
  return new AliasOption('--stack <name>', 'stackName');
}

/** Node.js majors the AWS SDK for JavaScript v3 supports after early January 2027. */
const SDK_NODE_MAJOR = 22;
/** The SDK's own switch for its Node.js version warning. */
const SDK_WARNING_SWITCH = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';
/** Whether the CLI says it itself (decided by {@link quietSdkNodeWarning}); then whether it has. */
let nodeNote: 'wanted' | 'unwanted' | 'shown' | undefined;

/**
 * On Node.js 20 the SDK prints a nine-line warning each time it loads; the CLI turns it off before any SDK loads
 * (`AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED`, the SDK's own switch) and says the same once, in one line, when a
 * command first configures an AWS client. A user who set the variable sees neither.
 */
export function quietSdkNodeWarning(env: NodeJS.ProcessEnv = process.env): void {
  if (env[SDK_WARNING_SWITCH] !== undefined) {
    nodeNote = 'unwanted';
    return;
  }
  env[SDK_WARNING_SWITCH] = 'true';
  nodeNote = 'wanted';
}

function noteNodeSupport(): void {
  // Without quietSdkNodeWarning (the program used as a library, e.g. in tests), the user's setting decides.
  const wanted = nodeNote === undefined ? process.env[SDK_WARNING_SWITCH] === undefined : nodeNote === 'wanted';
  if (!wanted) return;
  nodeNote = 'shown';
  const major = Number(process.versions.node.split('.')[0]);
  if (major < SDK_NODE_MAJOR) {
    process.stderr.write(
      `mlw: note: Node.js ${process.versions.node}: AWS SDK releases after early January 2027 need Node.js ${SDK_NODE_MAJOR} or later (see README, Requirements)\n`,
    );
  }
}

/**
 * SDK client configuration from the global options (`--region`, `--profile`, `--endpoint-url`). Clients that talk to a
 * local server add their own settings (path-style S3, HTTP/1.1 for Kinesis).
 */
export function clientConfig(options: AwsOptions): ClientConfig {
  noteNodeSupport();
  const config: ClientConfig = {};
  if (options.region) config.region = options.region;
  if (options.profile) config.profile = options.profile;
  if (options.endpointUrl) config.endpoint = options.endpointUrl;
  return config;
}

/** What an SDK call was about: service, operation and the resource named in its input. */
export interface AwsCall {
  /** Service, e.g. `S3` (from the client name). */
  readonly service: string;
  /** Operation, e.g. `GetObject`. */
  readonly operation: string;
  /** The resource the input names, e.g. `s3://bucket/key`, `table tasks`, or undefined. */
  readonly resource?: string;
}

/** Input fields that name the resource of a call, in the APIs' own words. */
const RESOURCE_FIELDS = [
  'StackName',
  'TableName',
  'StreamName',
  'StreamARN',
  'UserPoolId',
  'stateMachineArn',
  'LabelingJobName',
  'DeliveryStreamName',
  'FunctionName',
] as const;

/** The {@link AwsCall} of an SDK middleware context and input. */
export function describeCall(clientName = 'AWS', commandName = 'call', input: unknown = {}): AwsCall {
  const fields = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  let resource: string | undefined;
  if (typeof fields.Bucket === 'string') {
    resource = `s3://${fields.Bucket}${typeof fields.Key === 'string' ? `/${fields.Key}` : ''}`;
  } else {
    const field = RESOURCE_FIELDS.find((f) => typeof fields[f] === 'string');
    if (field) resource = `${field} ${String(fields[field])}`;
  }
  return {
    service: clientName.replace(/Client$/, ''),
    operation: commandName.replace(/Command$/, ''),
    ...(resource ? { resource } : {}),
  };
}

const CREDENTIALS_REJECTED = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'ExpiredToken',
  'ExpiredTokenException',
  'TokenRefreshRequired',
]);
const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'AuthorizationError', 'Forbidden']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'TimeoutError',
  'RequestTimeout',
]);

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  errors?: { code?: string }[];
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

/**
 * An SDK failure as a {@link CliError}: which call failed on what, and what the user can do about a missing Region,
 * missing or rejected credentials, denied access, an unreachable endpoint or a stack that does not exist.
 */
export function explainAwsError(error: unknown, call: AwsCall, options: AwsOptions): CliError {
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as SdkErrorShape;
  const name = e.name ?? 'Error';
  const message = e.message || name;
  const code = e.code ?? e.errors?.find((inner) => inner.code)?.code ?? (NETWORK_CODES.has(name) ? name : undefined);
  const on = call.resource ? ` on ${call.resource}` : '';
  const hints: string[] = [];
  if (/region is missing/i.test(message)) {
    hints.push(AWS_SETUP.region);
  } else if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    hints.push(AWS_SETUP.credentials);
  } else if (CREDENTIALS_REJECTED.has(name)) {
    hints.push(
      `The credentials were rejected (${name}): refresh them (aws sso login) or use others (--profile NAME, AWS_PROFILE)`,
    );
  } else if (ACCESS_DENIED.has(name)) {
    hints.push(
      `The credentials may not call ${call.service} ${call.operation}${on}: ask for that permission or use another --profile`,
    );
  } else if (code !== undefined && NETWORK_CODES.has(code)) {
    hints.push(
      options.endpointUrl
        ? `Could not reach --endpoint-url ${options.endpointUrl} (${code}): is the server running there?`
        : `Could not reach the ${call.service} endpoint (${code}): check the network, a proxy, and --region`,
    );
  } else if (call.service === 'CloudFormation' && /does not exist/.test(message)) {
    hints.push(
      `Deploy the stack, or name the deployed one with --stack-name (in its Region: --region, AWS_REGION, or the profile's)`,
    );
  }
  if (e.$metadata?.requestId) {
    hints.push(`AWS request id ${e.$metadata.requestId} (HTTP ${e.$metadata.httpStatusCode ?? '?'})`);
  }
  const shownCode = code !== undefined && !message.includes(code) && code !== name ? ` (${code})` : '';
  return new CliError(
    `${call.service} ${call.operation}${on} failed: ${name === 'Error' || message.startsWith(name) ? '' : `${name}: `}${message}${shownCode}`,
    hints,
    { cause: error },
  );
}

/** The part of an SDK v3 client this module needs (any client: S3Client, DynamoDBClient, ...). */
interface InstrumentableClient {
  readonly middlewareStack: {
    add(
      middleware: (
        next: (args: { input: object }) => Promise<unknown>,
        context: { clientName?: string; commandName?: string },
      ) => (args: { input: object }) => Promise<unknown>,
      options: { step: 'initialize'; name: string; priority: 'high' },
    ): void;
  };
}

/** The call each failed SDK request was, by its error (the error itself travels on unchanged). */
const failedCalls = new WeakMap<object, { call: AwsCall; options: AwsOptions }>();

/**
 * Remember, for every failure of a client's calls, which call failed on which resource, so that the CLI's error
 * printer can explain it ({@link explainAwsFailure}). The error is rethrown as it is: code that tells errors apart by
 * name (`ConditionalCheckFailedException`, ...) sees what it always saw. Returns the client. (An SDK middleware at the
 * top of the stack: it also sees the Region and credential errors raised while a request is prepared.)
 */
export function explainErrors<C>(client: C, options: AwsOptions): C {
  (client as unknown as InstrumentableClient).middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (typeof error === 'object' && error !== null && !failedCalls.has(error)) {
          failedCalls.set(error, {
            call: describeCall(context.clientName, context.commandName, args.input),
            options,
          });
        }
        throw error;
      }
    },
    { step: 'initialize', name: 'mlwExplainErrors', priority: 'high' },
  );
  return client;
}

/**
 * An error as the user should see it: when it is (or was caused by) a failed SDK call of a client passed to
 * {@link explainErrors}, a {@link CliError} naming the call and resource with the hints of {@link explainAwsError}
 * (the message of the outer error, e.g. which stack output was being read, stays first). Any other error is returned
 * as it is.
 */
export function explainAwsFailure(error: unknown): unknown {
  const chain: unknown[] = [];
  for (let e = error; typeof e === 'object' && e !== null && chain.length < 5; e = (e as { cause?: unknown }).cause) {
    chain.push(e);
  }
  const index = chain.findIndex((e) => failedCalls.has(e as object));
  if (index < 0) return error;
  const failed = chain[index] as object;
  const { call, options } = failedCalls.get(failed)!;
  const explained = explainAwsError(failed, call, options);
  if (index === 0) return explained;
  const outer = error as { message?: string; details?: unknown };
  const outerDetails = Array.isArray(outer.details) ? (outer.details as string[]) : [];
  return new CliError(outer.message ?? String(error), [...explained.details, ...outerDetails], { cause: explained });
}

/** Read the outputs of a deployed stack (to default an option such as an API URL). */
export async function stackOutputs(options: AwsOptions, stackName: string): Promise<Record<string, string>> {
  const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const client = explainErrors(new CloudFormationClient(clientConfig(options)), options);
  const answer = await client.send(new DescribeStacksCommand({ StackName: stackName }));
  const outputs = answer.Stacks?.[0]?.Outputs ?? [];
  return Object.fromEntries(
    outputs.flatMap((o) => (o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [])),
  );
}

/**
 * An option's value, or the named output of a deployed stack when the option is not given.
 * @throws CliError naming the stack output it read and the option that skips the lookup (caused by the SDK's error,
 *   which {@link explainAwsFailure} explains).
 */
export async function optionOrStackOutput(
  options: AwsOptions,
  value: string | undefined,
  source: { stackName: string; outputKey: string; optionName: string },
): Promise<string> {
  if (value) return value;
  const what = `output ${source.outputKey} of stack ${source.stackName}`;
  const skip = `or give ${source.optionName} and nothing is read from CloudFormation`;
  let outputs: Record<string, string>;
  try {
    outputs = await stackOutputs(options, source.stackName);
  } catch (error) {
    throw new CliError(`Cannot read ${source.optionName} from ${what}`, [skip], { cause: error });
  }
  const fromStack = outputs[source.outputKey];
  if (!fromStack) {
    throw new CliError(`Stack ${source.stackName} has no output ${source.outputKey}`, [
      `Deploy the stack's current version, or give ${source.optionName}`,
    ]);
  }
  return fromStack;
}
