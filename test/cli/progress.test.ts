import { PassThrough } from 'node:stream';
import { type Options, type Params } from 'cli-progress';
import { createProgress, formatAmount, formatRate, progressLine } from '../../cli/progress';

const options = {
  barsize: 10,
  barCompleteString: '='.repeat(10),
  barIncompleteString: '-'.repeat(10),
  barGlue: '',
  autopaddingChar: '  ',
} as unknown as Options;

const params = (value: number, total: number, seconds: number, eta: number): Params => ({
  value,
  total,
  progress: value / total,
  eta,
  startTime: 1_000_000,
  stopTime: 1_000_000 + seconds * 1000,
  maxWidth: 120,
});

describe('progress bars', () => {
  it('show bytes as MB with a rate and an ETA', () => {
    expect(progressLine('scanning', 'bytes', options, params(28_311_552, 59_888_890, 2, 3))).toBe(
      'scanning =====----- 47% | 28.3/59.9 MB | 14.2 MB/s | ETA 3s',
    );
    expect(progressLine('scanning', 'bytes', options, params(59_888_890, 59_888_890, 4, 0))).toMatch(
      /100% \| 59\.9\/59\.9 MB \| 15\.0 MB\/s \| done$/,
    );
  });

  it('show records with thousands separators', () => {
    expect(formatAmount(1200, 5000, 'records')).toBe('1,200/5,000 records');
    expect(formatRate(1200, 0.5, 'records')).toBe('2,400 records/s');
    expect(formatRate(1200, 0, 'records')).toBe('-');
    expect(formatRate(0, 3, 'bytes')).toBe('-');
  });

  it('draw on a terminal and stay silent in a pipe', () => {
    let drawn = '';
    const tty = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
    tty.on('data', (chunk: Buffer) => (drawn += chunk.toString()));
    const bar = createProgress('sending', 5000, 'records', tty);
    bar.increment(1200);
    bar.stop();
    expect(drawn).toMatch(/sending \S+ 24% \| 1,200\/5,000 records \| (?:[\d,]+ records\/s|-) \| ETA/);
    expect(drawn).not.toMatch(/\b1200\/5000\b/);
    expect(drawn).toMatch(/ 0% \| 0\/5,000 records \| - \| ETA -/);

    let piped = '';
    const pipe = new PassThrough();
    pipe.on('data', (chunk: Buffer) => (piped += chunk.toString()));
    const silent = createProgress('sending', 5000, 'records', pipe);
    silent.increment(1200);
    silent.stop();
    expect(piped).toBe('');
  });
});
