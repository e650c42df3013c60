import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../lib/app';
import { REPO_ROOT } from '../../lib/shared/paths';

/**
 * A CDK app for unit synths: bundling skipped (`aws:cdk:bundling-stacks: []`), so synth takes milliseconds per
 * function, plus any context (configuration) the test gives.
 */
export function testApp(context: Record<string, unknown> = {}): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
}

/**
 * The real app (bin/app.ts's composition) with the given configuration, without cdk-nag unless asked.
 */
export function realApp(context: Record<string, unknown> = {}, nag = false): App {
  return buildApp(testApp(context), { nag }).app;
}

/** The synthesized template of a stack. */
export function templateOf(stack: Stack): Template {
  return Template.fromStack(stack, { skipCyclicalDependenciesCheck: false });
}

/** The stack of an app by its construct id (throws with the ids present when it is missing). */
export function stackOf(app: App, id: string): Stack {
  const child = app.node.tryFindChild(id);
  if (!child) {
    throw new Error(`No stack ${id}; the app has ${app.node.children.map((c) => c.node.id).join(', ')}`);
  }
  return child as Stack;
}

/** The feature flags and settings of `cdk.json` (`context`), which `npx cdk synth` gives the app. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

/** A synthesized CloudFormation template (the parts the tests read). */
export interface TemplateJson {
  Resources?: Record<string, { Type: string; Properties?: Record<string, unknown>; [key: string]: unknown }>;
  [key: string]: unknown;
}

/**
 * Synthesize the app and return every template it writes, keyed by the stack's construct path: the top-level stacks
 * and the templates that stacks write as file assets (Service Catalog `ProductStack`s).
 */
export function synthesizedTemplates(app: App): Map<string, TemplateJson> {
  const assembly = app.synth();
  const templates = new Map<string, TemplateJson>();
  for (const stack of app.node.findAll().filter((c): c is Stack => Stack.isStack(c))) {
    const file = join(assembly.directory, stack.templateFile);
    templates.set(stack.node.path, JSON.parse(readFileSync(file, 'utf8')) as TemplateJson);
  }
  return templates;
}
