import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Ajv from 'ajv-draft-04';
import {
  LIMITS,
  MAX_CLASSIFIER_NAME_LENGTH,
  MAX_LABEL_LENGTH as MAX_FEEDBACK_LABEL_LENGTH,
  MAX_REQUEST_ID_LENGTH,
} from '../../lambdas/active-learning/contract';
import { feedbackRequestSchema } from '../../lambdas/active-learning/core/classify';
import {
  MAX_ANSWERS_PER_SUBMISSION,
  MAX_LABEL_LENGTH,
  MAX_LABELS_PER_ANSWER,
} from '../../lambdas/review-portal/contract';
import { normalizeAnswers, validateBatch } from '../../lambdas/review-portal/core/task';
import { ValidationError } from '../../lambdas/shared/errors';
import { type TemplateJson, realApp, synthesizedTemplates } from '../helpers/app';

/**
 * API Gateway request models (issue #10, kinds 6 and 7): every model bounds sizes and refuses unknown fields, every
 * body is validated whatever its content type, and the synthesized models (JSON Schema draft 4, as API Gateway
 * runs them) reject the field case before a function runs.
 */

type Schema = Record<string, unknown>;
const templates = synthesizedTemplates(realApp());

/** Every model of the app by its schema title (`ClassifyRequest`, …) → schema. */
const models = new Map<string, Schema>(
  [...templates.values()].flatMap((template) =>
    Object.values(template.Resources ?? {})
      .filter((r) => r.Type === 'AWS::ApiGateway::Model')
      .map((r) => r.Properties?.Schema as Schema)
      .map((schema) => [String(schema.title), schema] as const),
  ),
);
const modelOf = (name: string) => models.get(name)!;

const ajv = new Ajv({ allErrors: false, strict: false });
const validate = (name: string, body: unknown): string[] => {
  const check = ajv.compile(modelOf(name));
  return check(body) ? [] : (check.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}: ${e.message ?? ''}`);
};

/** Every place a schema could accept something unbounded: objects without maxProperties, strings without maxLength … */
function unbounded(schema: Schema, at = '#'): string[] {
  const out: string[] = [];
  const type = schema.type;
  if (type === 'object') {
    if (schema.maxProperties === undefined) out.push(`${at}: object without maxProperties`);
    if (schema.additionalProperties !== false) out.push(`${at}: object open to unknown fields`);
  }
  if (type === 'array' && schema.maxItems === undefined) out.push(`${at}: array without maxItems`);
  if (type === 'string' && schema.maxLength === undefined && schema.enum === undefined)
    out.push(`${at}: string without maxLength`);
  for (const keyword of ['properties', 'patternProperties'] as const) {
    for (const [name, sub] of Object.entries((schema[keyword] as Record<string, Schema> | undefined) ?? {}))
      out.push(...unbounded(sub, `${at}/${keyword}/${name}`));
  }
  if (schema.items) out.push(...unbounded(schema.items as Schema, `${at}/items`));
  for (const [i, sub] of ((schema.oneOf as Schema[] | undefined) ?? []).entries())
    out.push(...unbounded(sub, `${at}/oneOf/${i}`));
  return out;
}

describe('API Gateway request models', () => {
  it('finds the models of both APIs', () => {
    expect([...models.keys()].sort()).toEqual(['ClassifyRequest', 'FeedbackRequest', 'Submission']);
  });

  it('bound every object, array and string, and refuse unknown fields', () => {
    expect([...models].flatMap(([name, schema]) => unbounded(schema, name))).toEqual([]);
  });

  it('apply to every content type: each method maps the same model to application/json and $default', () => {
    const methods = [...templates.values()].flatMap((t: TemplateJson) =>
      Object.values(t.Resources ?? {}).filter(
        (r) => r.Type === 'AWS::ApiGateway::Method' && r.Properties?.RequestModels !== undefined,
      ),
    );
    expect(methods).toHaveLength(3);
    for (const method of methods) {
      const requestModels = method.Properties!.RequestModels as Record<string, unknown>;
      expect(Object.keys(requestModels).sort()).toEqual(['$default', 'application/json']);
      expect(requestModels.$default).toEqual(requestModels['application/json']);
      expect(method.Properties!.RequestValidatorId).toBeDefined();
    }
  });

  it('reject the field case (40,000 answer fields, 1.2 MB) before the function runs; accept a real submission', () => {
    const body = JSON.parse(
      gunzipSync(readFileSync(join(__dirname, '../fixtures/review-portal/submit-unknown-fields-40k.json.gz'))).toString(
        'utf8',
      ),
    ) as { answers: Record<string, unknown> };
    expect(Object.keys(body.answers)).toHaveLength(40_000);
    expect(validate('Submission', body)).toEqual(['/answers maxProperties: must NOT have more than 1000 properties']);
    expect(validate('Submission', { answers: { textCategory0: 'Billing', textCategory1: ['A', 'B'] } })).toEqual([]);
  });

  it.each<[string, unknown, RegExp]>([
    ['an unknown top-level field', { answers: { textCategory0: 'A' }, extra: 1 }, /additionalProperties|maxProperties/],
    ['an answer field of another name', { answers: { comment: 'A' } }, /additionalProperties/],
    ['no answers', { answers: {} }, /minProperties/],
    ['a label of 1,001 characters', { answers: { textCategory0: 'x'.repeat(1001) } }, /oneOf/],
    [
      '101 labels for one item',
      { answers: { textCategory0: Array.from({ length: 101 }, (_, i) => `L${i}`) } },
      /oneOf/,
    ],
    [
      `${MAX_ANSWERS_PER_SUBMISSION + 1} answers`,
      {
        answers: Object.fromEntries(
          Array.from({ length: MAX_ANSWERS_PER_SUBMISSION + 1 }, (_, i) => [`textCategory${i}`, 'A']),
        ),
      },
      /maxProperties/,
    ],
    ['a body that is not an object', 'textCategory0=A', /type/],
  ])('Submission rejects %s', (_name, body, keyword) => {
    expect(validate('Submission', body).join('\n')).toMatch(keyword);
  });

  it.each<[string, string, unknown, RegExp | null]>([
    ['ClassifyRequest', 'a valid request', { classifier: 'default', sentence: 'I was charged twice' }, null],
    [
      'ClassifyRequest',
      'an unknown field',
      { classifier: 'default', sentence: 'x', locale: 'en' },
      /additionalProperties|maxProperties/,
    ],
    [
      'ClassifyRequest',
      'a sentence over the Comprehend limit',
      { classifier: 'default', sentence: 'x'.repeat(LIMITS.UTTERANCE_BYTES + 1) },
      /maxLength/,
    ],
    ['ClassifyRequest', 'a blank sentence', { classifier: 'default', sentence: '   ' }, /pattern/],
    [
      'ClassifyRequest',
      'a 64-character classifier name',
      { classifier: 'c'.repeat(64), sentence: 'x' },
      /maxLength|pattern/,
    ],
    [
      'FeedbackRequest',
      'a valid request',
      { classifier: 'default', sentence: 'x', expectedLabel: 'BILLING', requestId: 'r-1' },
      null,
    ],
    [
      'FeedbackRequest',
      'an unknown field',
      { classifier: 'default', sentence: 'x', note: 'y' },
      /additionalProperties/,
    ],
    [
      'FeedbackRequest',
      'a label of 5,001 characters',
      { classifier: 'default', sentence: 'x', expectedLabel: 'L'.repeat(5001) },
      /maxLength/,
    ],
  ])('%s: %s', (model, _name, body, problem) => {
    const problems = validate(model, body).join('\n');
    expect(problems).toMatch(problem ?? /^$/);
  });

  describe('share their limits with the handler cores (one number in the contract)', () => {
    const batch = (items: number, categories: string[], multiLabel = false) => ({
      id: 'limits',
      input: {
        categories,
        multiLabel,
        items: Array.from({ length: items }, (_, index) => ({ index, utterance: `u${index}`, classifier: 'c' })),
      },
    });
    const refusal = (input: ReturnType<typeof batch>): string => {
      try {
        validateBatch(input);
        return '(accepted)';
      } catch (error) {
        return error instanceof ValidationError ? error.details.join('\n') : String(error);
      }
    };

    it('the largest tasks the portal accepts can be answered through the model', () => {
      const longest = 'L'.repeat(MAX_LABEL_LENGTH);
      const many = batch(MAX_ANSWERS_PER_SUBMISSION, [longest, 'B']);
      expect(refusal(many)).toBe('(accepted)');
      const answers = Object.fromEntries(many.input.items.map((i) => [`textCategory${i.index}`, longest]));
      expect(() => normalizeAnswers(many.input, answers)).not.toThrow();
      expect(validate('Submission', { answers })).toEqual([]);

      const wide = batch(
        1,
        Array.from({ length: MAX_LABELS_PER_ANSWER }, (_, i) => `C${i}`),
        true,
      );
      expect(refusal(wide)).toBe('(accepted)');
      const all = { textCategory0: wide.input.categories };
      expect(() => normalizeAnswers(wide.input, all)).not.toThrow();
      expect(validate('Submission', { answers: all })).toEqual([]);
    });

    it.each<[string, ReturnType<typeof batch>, string]>([
      [
        `${MAX_ANSWERS_PER_SUBMISSION + 1} items`,
        batch(MAX_ANSWERS_PER_SUBMISSION + 1, ['A']),
        `more than the ${MAX_ANSWERS_PER_SUBMISSION} answers`,
      ],
      [
        `a category of ${MAX_LABEL_LENGTH + 1} characters`,
        batch(1, ['x'.repeat(MAX_LABEL_LENGTH + 1), 'B']),
        `longer than the ${MAX_LABEL_LENGTH} characters`,
      ],
      [
        `${MAX_LABELS_PER_ANSWER + 1} categories in a multi-label task`,
        batch(
          1,
          Array.from({ length: MAX_LABELS_PER_ANSWER + 1 }, (_, i) => `C${i}`),
          true,
        ),
        `more than the ${MAX_LABELS_PER_ANSWER} one answer may list`,
      ],
    ])('the portal refuses a task with %s (the model would refuse its answers)', (_name, input, message) => {
      expect(refusal(input)).toContain(message);
    });

    it('feedback: the handler schema and the model accept and refuse the same lengths', () => {
      const at = {
        classifier: 'c'.repeat(MAX_CLASSIFIER_NAME_LENGTH),
        sentence: 'x',
        expectedLabel: 'L'.repeat(MAX_FEEDBACK_LABEL_LENGTH),
        prediction: 'P'.repeat(MAX_FEEDBACK_LABEL_LENGTH),
        requestId: 'r'.repeat(MAX_REQUEST_ID_LENGTH),
      };
      expect(validate('FeedbackRequest', at)).toEqual([]);
      expect(feedbackRequestSchema.safeParse(at).success).toBe(true);
      for (const [field, value] of [
        ['classifier', 'c'.repeat(MAX_CLASSIFIER_NAME_LENGTH + 1)],
        ['expectedLabel', 'L'.repeat(MAX_FEEDBACK_LABEL_LENGTH + 1)],
        ['prediction', 'P'.repeat(MAX_FEEDBACK_LABEL_LENGTH + 1)],
        ['requestId', 'r'.repeat(MAX_REQUEST_ID_LENGTH + 1)],
      ] as const) {
        const over = { ...at, [field]: value };
        expect([field, validate('FeedbackRequest', over).length > 0]).toEqual([field, true]);
        expect([field, feedbackRequestSchema.safeParse(over).success]).toEqual([field, false]);
      }
    });
  });
});
