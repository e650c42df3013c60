import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RUNBOOK, RUNBOOK_PATH } from '../../lib/shared/runbook';
import { REPO_ROOT } from '../../lib/shared/paths';
import { type TemplateJson, cdkJsonContext, realApp, synthesizedTemplates } from '../helpers/app';
import { APP_MODES } from '../helpers/app-modes';

/**
 * Rules that hold for every resource of every template of the real app, in every configuration mode: log retention,
 * tracing, alarm runbook links, service and environment variable names from the contracts. A copy that drifts from
 * the house builders breaks one of these.
 */

/** Every `lambdas/<module>/contract.ts` (or `contract/index.ts`), loaded: module folder → its exports. */
const CONTRACTS = new Map(
  readdirSync(join(REPO_ROOT, 'lambdas'), { withFileTypes: true })
    // `__lint_probe_*`: folders lint-rules.test.ts writes for a moment (a parallel worker may see them).
    .filter((d) => d.isDirectory() && d.name !== 'shared' && !d.name.startsWith('__lint_probe'))
    .map((d) => [d.name, jest.requireActual<Record<string, unknown>>(join(REPO_ROOT, 'lambdas', d.name, 'contract'))]),
);

/** The string values of the contract exports whose name ends with `suffix` (`_ENV`, `_SERVICE`). */
function contractValues(suffix: string): Set<string> {
  const values = new Set<string>();
  for (const exports of CONTRACTS.values()) {
    for (const [name, value] of Object.entries(exports)) {
      if (name.endsWith(suffix) && typeof value === 'object' && value !== null) {
        for (const v of Object.values(value)) if (typeof v === 'string') values.add(v);
      }
    }
  }
  return values;
}

const RETENTION = 90; // not the default (30), so a hard-coded month fails

type Resource = NonNullable<TemplateJson['Resources']>[string];

const templates = new Map<string, Map<string, TemplateJson>>(
  Object.entries(APP_MODES).map(([mode, context]) => [
    mode,
    synthesizedTemplates(realApp({ ...cdkJsonContext(), ...context, logRetentionDays: String(RETENTION) })),
  ]),
);

/** Every resource of a type, across modes and templates, as `[where, logical id, resource, template]`. */
function resourcesOfType(type: string): [string, string, Resource, TemplateJson][] {
  const out: [string, string, Resource, TemplateJson][] = [];
  for (const [mode, byPath] of templates) {
    for (const [path, template] of byPath) {
      for (const [id, resource] of Object.entries(template.Resources ?? {})) {
        if (resource.Type === type) out.push([`${mode} ${path}`, id, resource, template]);
      }
    }
  }
  return out;
}

/** A template string value as text: literals as they are, joins joined, references as `<ref>`. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] } | undefined)?.['Fn::Join'];
  return join ? join[1].map(textOf).join(join[0]) : '<ref>';
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchorsOf(markdown: string): Set<string> {
  return new Set(
    [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
      m[1]!
        .trim()
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, '')
        .replace(/ /g, '-'),
    ),
  );
}

describe('every template of the real app (default, alternative and minimal configurations)', () => {
  it('keeps every log group for logRetentionDays and deletes it with the stack', () => {
    const logGroups = resourcesOfType('AWS::Logs::LogGroup');
    expect(logGroups.length).toBeGreaterThan(20);
    const wrong = logGroups
      .filter(([, , r]) => r.Properties?.RetentionInDays !== RETENTION || r.DeletionPolicy !== 'Delete')
      .map(
        ([where, id, r]) =>
          `${where}: ${id} keeps ${String(r.Properties?.RetentionInDays)} days (${String(r.DeletionPolicy)})`,
      );
    expect(wrong).toEqual([]);
  });

  it('gives every Lambda function a log group of its template (no implicit /aws/lambda group that never expires)', () => {
    const functions = resourcesOfType('AWS::Lambda::Function');
    const wrong = functions
      .filter(([, , r, template]) => {
        const ref = (r.Properties?.LoggingConfig as { LogGroup?: { Ref?: string } } | undefined)?.LogGroup?.Ref;
        return ref === undefined || template.Resources?.[ref]?.Type !== 'AWS::Logs::LogGroup';
      })
      .map(([where, id]) => `${where}: ${id}`);
    expect(wrong).toEqual([]);
  });

  it('traces every Lambda function with X-Ray, including those aws-cdk-lib adds itself', () => {
    const functions = resourcesOfType('AWS::Lambda::Function');
    expect(functions.some(([, id]) => id.startsWith('CustomCDKBucketDeployment'))).toBe(true);
    expect(functions.some(([, id]) => id.includes('framework'))).toBe(true);
    const untraced = functions
      .filter(([, , r]) => (r.Properties?.TracingConfig as { Mode?: string } | undefined)?.Mode !== 'Active')
      .map(([where, id]) => `${where}: ${id}`);
    expect(untraced).toEqual([]);
  });

  it('links a runbook section that exists from every alarm description', () => {
    const anchors = anchorsOf(readFileSync(join(REPO_ROOT, RUNBOOK_PATH), 'utf8'));
    for (const section of Object.values(RUNBOOK)) expect(anchors).toContain(section);
    const alarms = resourcesOfType('AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(30);
    const link = new RegExp(`Runbook: ${RUNBOOK_PATH.replace('.', '\\.')}#([a-z0-9-]+)$`);
    const wrong = alarms
      .map(([where, id, r]) => {
        const description = textOf(r.Properties?.AlarmDescription);
        const section = link.exec(description)?.[1];
        return section !== undefined && anchors.has(section) ? undefined : `${where}: ${id}: ${description}`;
      })
      .filter((line) => line !== undefined);
    expect(wrong).toEqual([]);
  });

  it("names every handler's service and environment variables from the contracts (<WORKFLOW>_SERVICE, <WORKFLOW>_ENV)", () => {
    const services = contractValues('_SERVICE');
    const variables = contractValues('_ENV');
    const handlers = resourcesOfType('AWS::Lambda::Function').filter(
      ([, , r]) => envOf(r).POWERTOOLS_SERVICE_NAME !== undefined,
    );
    expect(handlers.length).toBeGreaterThan(20);
    const wrong = handlers.flatMap(([where, id, r]) => {
      const env = envOf(r);
      const service = String(env.POWERTOOLS_SERVICE_NAME);
      return [
        ...(services.has(service) ? [] : [`${where}: ${id}: service ${service} is in no contract`]),
        ...Object.keys(env)
          .filter((name) => !name.startsWith('POWERTOOLS_') && !variables.has(name))
          .map((name) => `${where}: ${id}: ${name} is in no contract's _ENV`),
      ];
    });
    expect(wrong).toEqual([]);
  });
});

/** The environment variables of a function resource. */
function envOf(resource: Resource): Record<string, unknown> {
  return (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
}
