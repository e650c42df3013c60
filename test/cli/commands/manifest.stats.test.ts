import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STATS_EXIT } from '../../../cli/commands/manifest';
import { runMlw, runMlwInProcess } from '../../helpers/cli';
import { fixturePath } from '../../helpers/labeling-chain-fixtures';

const FIELD_CASES = join(__dirname, '../../fixtures/field-cases');

async function stats(...args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  try {
    const run = await runMlwInProcess('manifest', 'stats', ...args);
    return { ...run, exitCode: Number(process.exitCode ?? 0) };
  } finally {
    process.exitCode = undefined;
  }
}

describe('mlw manifest stats: exit codes and messages', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mlw-stats-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('documents its exit codes in --help', async () => {
    const help = await runMlw(['manifest', 'stats', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Exit codes:\n {2}0 {2}counted\n {2}1 {2}bad options/);
    expect(help.stdout).toMatch(/ {2}2 {2}some lines are not UTF-8 JSON objects/);
    expect(help.stdout).toMatch(/ {2}3 {2}the label attribute appears on no line/);
  });

  it('reads the BOM field case like the same file without the BOM', async () => {
    const bom = join(FIELD_CASES, 'labeling-chain-bom-output.manifest');
    const plain = join(dir, 'plain.manifest');
    writeFileSync(plain, readFileSync(bom).subarray(3));
    const a = await stats(bom, '--label-attribute', 'animal', '--json');
    const b = await stats(plain, '--label-attribute', 'animal', '--json');
    expect(a.exitCode).toBe(STATS_EXIT.OK);
    expect(a.stdout).toBe(b.stdout);
    expect(JSON.parse(a.stdout)).toMatchObject({ total: 10 });
  });

  it('refuses a --label-attribute that ends in -metadata', async () => {
    await expect(
      stats(fixturePath('image-classification.output.manifest'), '--label-attribute', 'animal-metadata'),
    ).rejects.toThrow(
      /--label-attribute: label attribute name "animal-metadata" must not end with "-metadata" \(give the attribute, not its metadata key\)/,
    );
  });

  it('says when the attribute appears on no line, lists the attributes that do, and exits 3', async () => {
    const run = await stats(fixturePath('image-classification.output.manifest'), '--label-attribute', 'aminal');
    expect(run.exitCode).toBe(STATS_EXIT.ATTRIBUTE_NOT_FOUND);
    expect(run.stderr).toContain(
      'label attribute "aminal" appears on no line of ' +
        fixturePath('image-classification.output.manifest') +
        '; label attributes found: animal, animal-v2',
    );
  });

  it('exits 2 for a UTF-16 file and for lines that are not UTF-8', async () => {
    const utf16 = join(dir, 'utf16.manifest');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"a":1}\n', 'utf16le')]));
    const a = await stats(utf16, '--label-attribute', 'a');
    expect(a.exitCode).toBe(STATS_EXIT.UNREADABLE);
    expect(a.stderr).toMatch(/is UTF-16/);
    const latin1 = join(dir, 'latin1.manifest');
    writeFileSync(latin1, Buffer.concat([Buffer.from('{"a":1}\n{"a":"caf'), Buffer.from([0xe9]), Buffer.from('"}\n')]));
    const b = await stats(latin1, '--label-attribute', 'a', '--json');
    expect(b.exitCode).toBe(STATS_EXIT.UNREADABLE);
    expect(b.stderr).toMatch(/line 2: not valid UTF-8: byte 0xE9 at column 10/);
    expect(JSON.parse(b.stdout)).toMatchObject({ total: 1, labeled: 1 });
  });
});
