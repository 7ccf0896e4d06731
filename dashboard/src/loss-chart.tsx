/**
 * Training and validation loss against step, with uPlot. The chart is made once, with its frame (axes
 * up to the job's total steps) drawn before the first point; each event appends only the steps it has
 * not seen and hands uPlot the grown arrays, so nothing is rebuilt or reloaded. The best validation
 * loss is marked. A summary and a table of the points are the chart's text alternative.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { formatLoss } from './format';

export interface LossPoint {
  step: number;
  trainingLoss?: number | null;
  validationLoss?: number | null;
}

export interface LossChartProps {
  points: readonly LossPoint[];
  totalSteps: number | null;
  best: { loss: number; step: number } | null;
  /** The job ended (COMPLETED, FAILED, CANCELLED): no point is coming, so none is said to be "yet". */
  final?: boolean;
}

type Mark = LossChartProps['best'];
type Series = [number[], Array<number | null>, Array<number | null>];

function drawBest(plot: uPlot, mark: Mark): void {
  if (!mark) return;
  const x = plot.valToPos(mark.step, 'x', true);
  const y = plot.valToPos(mark.loss, 'y', true);
  const ctx = plot.ctx;
  ctx.save();
  ctx.strokeStyle = '#16a34a';
  ctx.lineWidth = 2 * devicePixelRatio;
  ctx.beginPath();
  ctx.arc(x, y, 7 * devicePixelRatio, 0, 2 * Math.PI);
  ctx.stroke();
  ctx.fillStyle = '#166534';
  ctx.font = `${12 * devicePixelRatio}px sans-serif`;
  ctx.fillText(`best ${formatLoss(mark.loss)}`, x + 10 * devicePixelRatio, y - 10 * devicePixelRatio);
  ctx.restore();
}

/** The chart's options; it reads the total steps and the best mark when it draws, from the latest props. */
function plotOptions(width: number, latest: { current: { totalSteps: number | null; best: Mark } }): uPlot.Options {
  return {
    width,
    height: 300,
    scales: {
      x: { time: false, range: (_u, _min, max) => [0, Math.max(latest.current.totalSteps ?? 0, max ?? 0, 1)] },
      y: { range: (_u, _min, max) => [0, Math.max(0.5, (max ?? 1) * 1.1)] },
    },
    axes: [{ label: 'step' }, { label: 'loss' }],
    series: [
      { label: 'step' },
      { label: 'training loss', stroke: '#2563eb', width: 2 },
      { label: 'validation loss', stroke: '#d97706', width: 2, spanGaps: true, points: { show: true, size: 6 } },
    ],
    hooks: { draw: [(plot) => drawBest(plot, latest.current.best)] },
  };
}

export function LossChart({ points, totalSteps, best, final = false }: LossChartProps) {
  const boxRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<uPlot | null>(null);
  const dataRef = useRef<Series>([[], [], []]);
  const latestRef = useRef({ totalSteps, best });

  // Before the effects below: the chart they redraw reads these.
  useEffect(() => {
    latestRef.current = { totalSteps, best };
  }, [totalSteps, best]);

  useEffect(() => {
    const el = boxRef.current!;
    const width = () => Math.max(280, el.clientWidth);
    const plot = new uPlot(plotOptions(width(), latestRef), dataRef.current, el);
    chartRef.current = plot;
    const resize = new ResizeObserver(() => plot.setSize({ width: width(), height: 300 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
      chartRef.current = null;
    };
  }, []);

  useEffect(() => {
    const [steps, training, validation] = dataRef.current;
    const last = steps.at(-1) ?? 0;
    for (const point of points) {
      if (point.step <= last) continue;
      steps.push(point.step);
      training.push(point.trainingLoss ?? null);
      validation.push(point.validationLoss ?? null);
    }
    // The same arrays, grown: uPlot redraws its canvas from them (with the new total and best mark), no rebuild.
    chartRef.current?.setData(dataRef.current, true);
    boxRef.current?.setAttribute('data-points', String(steps.length));
  }, [points, best, totalSteps]);

  const summary = summaryOf(points, totalSteps, best, final);
  return (
    <figure class="chart">
      <div ref={boxRef} class="chart-canvas" role="img" aria-label={`Loss curve. ${summary}`} data-points="0" />
      <figcaption id="loss-summary" aria-live="polite">
        {summary}
      </figcaption>
      <LossTable points={points} />
    </figure>
  );
}

function summaryOf(points: readonly LossPoint[], totalSteps: number | null, best: Mark, final: boolean): string {
  const latest = points.at(-1);
  if (!latest) return final ? 'No training step was recorded.' : 'No training step recorded yet.';
  const noValidation = final ? 'No validation loss was recorded.' : 'No validation loss yet.';
  return (
    `Step ${latest.step}${totalSteps ? ` of ${totalSteps}` : ''}: training loss ${formatLoss(latest.trainingLoss)}. ` +
    (best ? `Best validation loss ${formatLoss(best.loss)} at step ${best.step}.` : noValidation)
  );
}

/** The chart's text alternative: every point as a row. */
function LossTable({ points }: { points: readonly LossPoint[] }) {
  return (
    <details>
      <summary>Losses as a table ({points.length === 1 ? '1 step' : `${points.length} steps`})</summary>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Training loss</th>
              <th scope="col">Validation loss</th>
            </tr>
          </thead>
          <tbody>
            {points.map((p) => (
              <tr key={p.step}>
                <td>{p.step}</td>
                <td>{formatLoss(p.trainingLoss)}</td>
                <td>{formatLoss(p.validationLoss)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
