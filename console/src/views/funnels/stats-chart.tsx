import type { Chart } from 'chart.js';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Schemas } from '../../api/client';
import { lang, t, type MessageKey } from '../../i18n';
import { formatRevenue } from './revenue';

let chartLibrary: Promise<typeof Chart> | undefined;

/**
 * chart.js, fetched when a chart is first drawn rather than with the console's first page; with
 * only the pieces a grouped bar chart needs. A failed download is tried again by the next chart.
 */
function loadChart(): Promise<typeof Chart> {
  chartLibrary ??= import('chart.js').then(
    ({ BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip }) => {
      Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);
      return Chart;
    },
    (err: unknown) => {
      chartLibrary = undefined;
      throw err;
    },
  );
  return chartLibrary;
}

type Row = Schemas['StatsRowView'];
/** The counts shown per row, in funnel order; each is one series of bars. */
export const COUNTS = ['sent', 'delivered', 'read', 'replied', 'clicked', 'converted'] as const;
// Colour-blind-safe palette (Okabe–Ito); the table carries the same numbers for those who cannot see it.
const COLOURS = ['#0072B2', '#56B4E9', '#009E73', '#E69F00', '#CC79A7', '#D55E00'];

interface Props {
  /** Unique within the page: ids of the caption and table derive from it. */
  id: string;
  title: string;
  rows: Row[];
  /** The first column's heading and each row's name in it. */
  labelHeading: MessageKey;
  labelOf: (row: Row) => string;
}

/**
 * A grouped bar chart of one statistics grouping, and its text alternative: the canvas is an
 * image described by its label, and a table right after it holds every number, revenue included.
 */
export function StatsChart({ id, title, rows, labelHeading, labelOf }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const language = lang();
  // Busy until the chart is drawn: chart.js arrives with the first chart.
  const [drawn, setDrawn] = useState(false);
  useEffect(() => {
    let chart: Chart | undefined;
    let current = true;
    setDrawn(false);
    loadChart().then(
      (Chart) => {
        if (!current || !canvas.current) return;
        chart = new Chart(canvas.current, {
          type: 'bar',
          data: {
            labels: rows.map(labelOf),
            datasets: COUNTS.map((count, i) => ({ label: t(`funnels.${count}`), data: rows.map((row) => row[count]), backgroundColor: COLOURS[i] })),
          },
          // No animation: the chart is drawn at once, for people who prefer reduced motion and for screenshots alike.
          options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
        });
        setDrawn(true);
      },
      // The table beside the chart carries every number: without the chart the figure is still whole.
      () => current && setDrawn(true),
    );
    return () => {
      current = false;
      chart?.destroy();
    };
  }, [rows, language]);

  return (
    <figure class="chart" aria-labelledby={`${id}-caption`} aria-busy={!drawn}>
      <figcaption id={`${id}-caption`}>{title}</figcaption>
      <div class="chart-box">
        <canvas ref={canvas} role="img" aria-label={t('funnels.chartLabel', { title })} data-chart={id} />
      </div>
      {/* A wide table scrolls inside its own region (reachable by keyboard) instead of widening the page. */}
      <div class="table-scroll" role="region" aria-labelledby={`${id}-caption`} tabIndex={0}>
        <table class="data-table" id={`${id}-table`} aria-label={t('funnels.table', { title })}>
          <thead>
            <tr>
              <th scope="col">{t(labelHeading)}</th>
              {COUNTS.map((count) => (
                <th scope="col" key={count}>
                  {t(`funnels.${count}`)}
                </th>
              ))}
              <th scope="col">{t('funnels.revenue')}</th>
              <th scope="col">{t('funnels.rate')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={labelOf(row)}>
                <th scope="row">{labelOf(row)}</th>
                {COUNTS.map((count) => (
                  <td key={count} class="number">
                    {row[count]}
                  </td>
                ))}
                <td class="number">{formatRevenue(row, document.documentElement.lang)}</td>
                <td class="number">{(row.conversion_rate * 100).toFixed(1)}%</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
