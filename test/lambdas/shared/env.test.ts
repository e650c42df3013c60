import { z } from 'zod';
import { defineEnv, envBool, envList, parseEnv } from '../../../lambdas/shared/env';
import { ConfigurationError } from '../../../lambdas/shared/errors';

describe('environment parsing', () => {
  const schema = z.object({
    BUCKET: z.string().min(1),
    BATCH: z.coerce.number().int().positive(),
    FLAG: envBool(),
    LIST: envList(),
  });

  it('parses typed values', () => {
    expect(parseEnv(schema, { BUCKET: 'b', BATCH: '10', FLAG: 'true', LIST: 'a, b,,c' })).toEqual({
      BUCKET: 'b',
      BATCH: 10,
      FLAG: true,
      LIST: ['a', 'b', 'c'],
    });
  });

  it('reports every missing and invalid variable in one error', () => {
    expect(() => parseEnv(schema, { BATCH: 'x', FLAG: 'maybe' })).toThrow(
      /BUCKET is missing.*BATCH is invalid.*FLAG is invalid.*LIST is missing/,
    );
    expect(() => parseEnv(schema, {})).toThrow(ConfigurationError);
  });

  it('memoizes until reset', () => {
    process.env.MLW_TEST_VALUE = 'one';
    const read = defineEnv({ MLW_TEST_VALUE: z.string() });
    expect(read().MLW_TEST_VALUE).toBe('one');
    process.env.MLW_TEST_VALUE = 'two';
    expect(read().MLW_TEST_VALUE).toBe('one');
    read.reset();
    expect(read().MLW_TEST_VALUE).toBe('two');
    delete process.env.MLW_TEST_VALUE;
  });
});
