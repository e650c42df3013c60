import { DomainError, NotFoundError } from '../../shared/errors';
import { ENDPOINT_PLACEHOLDER } from '../contract';

/** The classifier's endpoint is not usable yet (placeholder or invalid value): HTTP 503, the operator must act. */
export class EndpointNotConfiguredError extends DomainError {}

const ENDPOINT_ARN = /^arn:aws[a-z-]*:comprehend:[a-z0-9-]+:\d{12}:document-classifier-endpoint\/[A-Za-z0-9-]+$/;

/** How endpoints are found. */
export type EndpointSource =
  | { readonly mode: 'endpoint-arn'; readonly endpoints: Readonly<Record<string, string>> }
  | {
      readonly mode: 'ssm-parameter';
      /** Parameter path prefix (no trailing slash): classifier `x` → parameter `<prefix>/x`. */
      readonly parameterPrefix: string;
      /**
       * Read a parameter's value (cached by the adapter, `adapters/endpoint-parameters.ts`); `undefined` when the
       * parameter does not exist.
       */
      readonly fetchParameter: (name: string) => Promise<string | undefined>;
    };

/** Resolve a classifier name to its endpoint ARN. */
export type EndpointResolver = (classifier: string) => Promise<string>;

/**
 * An endpoint resolver. In `ssm-parameter` mode the value of `<prefix>/<classifier>` is read through
 * `fetchParameter`, whose cache decides how soon an updated parameter switches the live endpoint.
 *
 * @throws NotFoundError (from the resolver) for an unknown classifier; EndpointNotConfiguredError when the value is
 * the stack's placeholder or not an endpoint ARN.
 */
export function createEndpointResolver(source: EndpointSource): EndpointResolver {
  if (source.mode === 'endpoint-arn') {
    return (classifier) =>
      Promise.resolve().then(() => {
        const arn = Object.hasOwn(source.endpoints, classifier) ? source.endpoints[classifier] : undefined;
        if (arn === undefined) {
          throw new NotFoundError(
            `Unknown classifier "${classifier}" (known: ${Object.keys(source.endpoints).join(', ') || 'none'})`,
          );
        }
        return checked(classifier, arn, 'configuration');
      });
  }
  return async (classifier) => {
    const name = `${source.parameterPrefix.replace(/\/+$/, '')}/${classifier}`;
    const value = await source.fetchParameter(name);
    if (value === undefined)
      throw new NotFoundError(`Unknown classifier "${classifier}": SSM parameter ${name} does not exist`);
    return checked(classifier, value.trim(), `SSM parameter ${name}`);
  };
}

function checked(classifier: string, value: string, where: string): string {
  if (value === ENDPOINT_PLACEHOLDER) {
    throw new EndpointNotConfiguredError(
      `The endpoint of classifier "${classifier}" is not configured yet: put its endpoint ARN in ${where}`,
    );
  }
  if (!ENDPOINT_ARN.test(value)) {
    throw new EndpointNotConfiguredError(
      `The endpoint of classifier "${classifier}" in ${where} is not a Comprehend endpoint ARN`,
    );
  }
  return value;
}
