import { type TopLevelSpec } from 'vega-lite';
import { DURATION_HISTOGRAM, OUTLIER_REASONS, OUTLIER_RULES, PROFILE_MEASURES } from '../contract';
import { type TripReport } from './report';

/** The charts of the report, by id. */
export type ChartId = 'duration' | 'reasons' | 'days';

/** Title and caption of each chart. */
export const CHARTS: Readonly<Record<ChartId, { readonly title: string; readonly caption: string }>> = {
  duration: {
    title: 'Trip duration before and after cleaning',
    caption: `Trips per minute of duration (symmetric log scale). The first bar holds negative durations, the last ${DURATION_HISTOGRAM.lastMinute} minutes or more.`,
  },
  reasons: { title: 'Outliers by reason', caption: 'Each outlier counts once, under the first rule it breaks.' },
  days: { title: 'Outliers by day', caption: 'Outliers per pick-up day (local time), by reason.' },
};

/** One color per reason, the same in every chart. */
const REASON_COLORS = ['#7f7f7f', '#d62728', '#9467bd', '#ff7f0e', '#8c564b'];
const REASON_TITLES = OUTLIER_REASONS.map((r) => OUTLIER_RULES[r].title);
const WIDTH = 640;

/** The Vega-Lite specification of each chart, with the report's data inline. */
export function chartSpecs(report: TripReport): Record<ChartId, TopLevelSpec> {
  const { lastMinute } = DURATION_HISTOGRAM;
  const reasonColor = {
    field: 'title',
    type: 'nominal',
    title: 'Reason',
    scale: { domain: REASON_TITLES, range: REASON_COLORS },
  } as const;
  return {
    duration: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: WIDTH,
      height: 260,
      data: {
        values: report.histogram.flatMap((bin) => [
          { minute: bin.minute, stage: 'before cleaning', trips: bin.beforeCleaning },
          { minute: bin.minute, stage: 'after cleaning', trips: bin.afterCleaning },
        ]),
      },
      transform: [{ calculate: 'datum.minute + 1', as: 'end' }],
      mark: { type: 'bar', opacity: 0.85 },
      encoding: {
        x: {
          field: 'minute',
          type: 'quantitative',
          title: 'Duration (minutes)',
          scale: { domain: [-1, lastMinute + 1] },
          axis: {
            labelExpr: `datum.value < 0 ? '< 0' : datum.value >= ${lastMinute} ? '≥ ${lastMinute}' : datum.label`,
          },
        },
        x2: { field: 'end' },
        y: { field: 'trips', type: 'quantitative', title: 'Trips', scale: { type: 'symlog' }, stack: null },
        y2: { datum: 0 },
        color: {
          field: 'stage',
          type: 'nominal',
          title: null,
          scale: { domain: ['before cleaning', 'after cleaning'], range: ['#c7c7c7', '#1f77b4'] },
        },
        order: { field: 'stage', sort: 'descending' },
      },
    },
    reasons: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: WIDTH,
      data: {
        values: OUTLIER_REASONS.map((reason) => ({
          reason,
          title: OUTLIER_RULES[reason].title,
          trips: report.summary.outliers[reason],
        })),
      },
      encoding: {
        y: { field: 'title', type: 'nominal', title: null, sort: REASON_TITLES },
        x: { field: 'trips', type: 'quantitative', title: 'Trips', axis: { tickMinStep: 1, format: 'd' } },
      },
      layer: [
        { mark: 'bar', encoding: { color: { ...reasonColor, legend: null } } },
        { mark: { type: 'text', align: 'left', dx: 4 }, encoding: { text: { field: 'trips', type: 'quantitative' } } },
      ],
    },
    days: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: WIDTH,
      height: 260,
      data: {
        values: report.outliersByDay.map((d) => ({
          day: d.day ?? 'no time',
          title: OUTLIER_RULES[d.reason].title,
          trips: d.trips,
        })),
      },
      mark: 'bar',
      encoding: {
        x: { field: 'day', type: 'ordinal', title: 'Pick-up day', axis: { labelAngle: -45 } },
        y: {
          field: 'trips',
          type: 'quantitative',
          title: 'Outliers',
          stack: 'zero',
          axis: { tickMinStep: 1, format: 'd' },
        },
        color: reasonColor,
      },
    },
  };
}

/**
 * Render one Vega-Lite chart to SVG with Vega's headless renderer (no browser, no canvas: text widths are estimated).
 */
export async function renderChartSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Escape text for HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function formatNumber(value: number | null, digits = 1): string {
  if (value === null) return '–';
  return Number.isInteger(value)
    ? value.toLocaleString('en-US')
    : value.toLocaleString('en-US', { maximumFractionDigits: digits });
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '–' : `${((100 * part) / whole).toLocaleString('en-US', { maximumFractionDigits: 2 })} %`;
}

const MEASURE_TITLES: Readonly<Record<(typeof PROFILE_MEASURES)[number], string>> = {
  duration_seconds: 'Duration (s)',
  trip_distance: 'Distance (miles)',
  speed_mph: 'Speed (mph)',
  fare_amount: 'Fare (USD)',
};

/**
 * The report as one self-contained HTML page: the summary table, the profile, three charts as inline SVG, and the
 * report data as JSON (`<script type="application/json" id="trip-report">`). No script runs and nothing is loaded
 * from elsewhere.
 */
export async function renderReportHtml(report: TripReport): Promise<string> {
  const specs = chartSpecs(report);
  const svgs = Object.fromEntries(
    await Promise.all(
      (Object.keys(specs) as ChartId[]).map(async (id) => [id, await renderChartSvg(specs[id])] as const),
    ),
  ) as Record<ChartId, string>;
  const { summary, profile } = report;
  const outliers = summary.rows - summary.cleanedRows;
  const reasonRows = OUTLIER_REASONS.map(
    (reason) =>
      `<tr data-reason="${reason}"><th scope="row">${escapeHtml(OUTLIER_RULES[reason].title)}</th><td>${escapeHtml(
        OUTLIER_RULES[reason].rule,
      )}</td><td class="n">${formatNumber(summary.outliers[reason])}</td><td class="n">${percent(
        summary.outliers[reason],
        summary.rows,
      )}</td></tr>`,
  ).join('\n');
  const measureRows = PROFILE_MEASURES.map((m) => {
    const s = profile.measures[m];
    return `<tr><th scope="row">${MEASURE_TITLES[m]}</th>${[s.min, s.p50, s.p99, s.max]
      .map((v) => `<td class="n">${formatNumber(v, 2)}</td>`)
      .join('')}</tr>`;
  }).join('\n');
  const d = summary.durationSeconds;
  const meta = [
    `engine ${report.engine}`,
    report.month ? `month ${report.month}` : undefined,
    report.runId ? `run ${report.runId}` : undefined,
    `generated ${report.generatedAt}`,
    `bounds: duration ≤ ${formatNumber(report.bounds.maxDurationSeconds)} s, speed ≤ ${formatNumber(report.bounds.maxSpeedMph)} mph`,
    `times in ${report.timeZone}`,
  ].filter((x): x is string => x !== undefined);
  const figure = (id: ChartId) =>
    `<figure id="chart-${id}"><h2>${escapeHtml(CHARTS[id].title)}</h2>${svgs[id]}<figcaption>${escapeHtml(
      CHARTS[id].caption,
    )}</figcaption></figure>`;
  const data = JSON.stringify(report).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Trip outliers: ${escapeHtml(report.source)}</title>
<style>
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; } h2 { font-size: 1.15rem; margin: 2rem 0 .5rem; }
.meta { color: #666; margin-top: 0; }
.cards { display: flex; gap: 1rem; flex-wrap: wrap; margin: 1.5rem 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: .75rem 1rem; min-width: 10rem; }
.card b { display: block; font-size: 1.6rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #eee; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure { margin: 0; } figcaption { color: #666; font-size: .9rem; }
svg { max-width: 100%; height: auto; }
</style>
</head>
<body>
<h1>Trip outliers</h1>
<p class="meta">${escapeHtml(report.source)}<br>${meta.map(escapeHtml).join(' · ')}</p>
<div class="cards">
<div class="card" id="card-trips">Trips<b>${formatNumber(summary.rows)}</b></div>
<div class="card" id="card-outliers">Outliers<b>${formatNumber(outliers)}</b>${percent(outliers, summary.rows)}</div>
<div class="card" id="card-cleaned">Cleaned trips<b>${formatNumber(summary.cleanedRows)}</b>median ${formatNumber(d.p50)} s, p99 ${formatNumber(d.p99)} s</div>
</div>
<h2>Outliers by rule</h2>
<table id="summary">
<thead><tr><th>Reason</th><th>Rule</th><th class="n">Trips</th><th class="n">Share</th></tr></thead>
<tbody>
${reasonRows}
</tbody>
<tfoot><tr><th scope="row">All outliers</th><td></td><td class="n">${formatNumber(outliers)}</td><td class="n">${percent(outliers, summary.rows)}</td></tr></tfoot>
</table>
${figure('reasons')}
${figure('duration')}
${figure('days')}
<h2>Profile before cleaning</h2>
<table id="profile">
<thead><tr><th>Measure</th><th class="n">min</th><th class="n">median</th><th class="n">p99</th><th class="n">max</th></tr></thead>
<tbody>
${measureRows}
</tbody>
</table>
<p class="meta">Pick-ups from ${escapeHtml(profile.firstPickup ?? '–')} to ${escapeHtml(profile.lastPickup ?? '–')}; missing times ${formatNumber(profile.missingTimestamps)}, passenger counts ${formatNumber(profile.missingPassengerCount)}, distances ${formatNumber(profile.missingTripDistance)}, totals ${formatNumber(profile.missingTotalAmount)}. Percentiles are exact in DuckDB and approximate in Athena.</p>
<script type="application/json" id="trip-report">${data}</script>
</body>
</html>
`;
}
