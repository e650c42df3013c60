import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../lib/app';

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
