import { type Readable } from 'node:stream';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Hash } from '@smithy/hash-node';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, Provider } from '@smithy/types';

/** `StartHumanLoop` input (Amazon A2I runtime API). */
export interface StartHumanLoopInput {
  readonly HumanLoopName: string;
  readonly FlowDefinitionArn: string;
  readonly HumanLoopInput: { readonly InputContent: string };
  readonly DataAttributes: { readonly ContentClassifiers: readonly string[] };
}

/** The one A2I runtime call the review back end makes. */
export type StartHumanLoop = (input: StartHumanLoopInput) => Promise<{ HumanLoopArn?: string }>;

/** Options of {@link a2iRuntime}. */
export interface A2iRuntimeOptions {
  /** @default AWS_REGION */
  readonly region?: string;
  /** @default AWS_ENDPOINT_URL_SAGEMAKER_A2I_RUNTIME, else AWS_ENDPOINT_URL, else the Regional endpoint */
  readonly endpoint?: string;
  /** @default the standard Node.js credential chain */
  readonly credentials?: AwsCredentialIdentity | Provider<AwsCredentialIdentity>;
}

async function text(body: unknown): Promise<string> {
  if (body === undefined || body === null) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of body as Readable)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A minimal Amazon A2I runtime client: `StartHumanLoop` (`POST /human-loops`, REST-JSON, SigV4 with the signing name
 * `sagemaker`), built on the same Smithy signer, HTTP handler and credential chain as the project's other SDK
 * clients. Why not `@aws-sdk/client-sagemaker-a2i-runtime`: its last release (3.922.0; A2I is closed to new
 * customers) pins an older `@aws-sdk/core` and credential-provider tree, so a handler using it bundles a second, older
 * copy of the SDK runtime beside the project's (mixed Smithy versions, larger bundle). Errors carry the service's error type as `name` (`ConflictException`, `ThrottlingException`,
 * `ValidationException`, …) and `$metadata.httpStatusCode`, like SDK errors.
 */
export function a2iRuntime(options: A2iRuntimeOptions = {}): StartHumanLoop {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new Error('A2I runtime: no Region (set AWS_REGION)');
  const endpoint = new URL(
    options.endpoint ??
      process.env.AWS_ENDPOINT_URL_SAGEMAKER_A2I_RUNTIME ??
      process.env.AWS_ENDPOINT_URL ??
      `https://a2i-runtime.sagemaker.${region}.amazonaws.com`,
  );
  const signer = new SignatureV4({
    service: 'sagemaker',
    region,
    credentials: options.credentials ?? defaultProvider(),
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: true,
  });
  const http = new NodeHttpHandler({ requestTimeout: 10_000 });
  return async (input) => {
    const body = JSON.stringify(input);
    const request = new HttpRequest({
      method: 'POST',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      port: endpoint.port ? Number(endpoint.port) : undefined,
      path: `${endpoint.pathname.replace(/\/$/, '')}/human-loops`,
      headers: {
        host: endpoint.host,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
      },
      body,
    });
    const signed = await signer.sign(request);
    const { response } = await http.handle(signed as HttpRequest);
    const payload = await text(response.body);
    let parsed: Record<string, unknown> = {};
    try {
      parsed = payload ? (JSON.parse(payload) as Record<string, unknown>) : {};
    } catch {
      parsed = { message: payload };
    }
    if (response.statusCode >= 200 && response.statusCode < 300) return parsed;
    const header = Object.entries(response.headers).find(([k]) => k.toLowerCase() === 'x-amzn-errortype')?.[1];
    const rawType =
      header ??
      (parsed.__type as string | undefined) ??
      (parsed.code as string | undefined) ??
      `Http${response.statusCode}Error`;
    const name = rawType.split(':')[0]!.split('#').pop()!;
    const message =
      (parsed.message as string | undefined) ??
      (parsed.Message as string | undefined) ??
      `A2I answered HTTP ${response.statusCode}`;
    throw Object.assign(new Error(message), { name, $metadata: { httpStatusCode: response.statusCode } });
  };
}
