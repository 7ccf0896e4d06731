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
}

export function LossChart({ points, totalSteps, best }: LossChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const data = useRef<[number[], Array<number | null>, Array<number | null>]>([[], [], []]);
  const total = useRef(totalSteps);
  const bestRef = useRef(best);
  total.current = totalSteps;
  bestRef.current = best;

  useEffect(() => {
    const el = box.current!;
    const width = () => Math.max(280, el.clientWidth);
    const u = new uPlot(
      {
        width: width(),
        height: 300,
        scales: {
          x: { time: false, range: (_u, min, max) => [0, Math.max(total.current ?? 0, max ?? 0, 1)] },
          y: { range: (_u, _min, max) => [0, Math.max(0.5, (max ?? 1) * 1.1)] },
        },
        axes: [{ label: 'step' }, { label: 'loss' }],
        series: [
          { label: 'step' },
          { label: 'training loss', stroke: '#2563eb', width: 2 },
          { label: 'validation loss', stroke: '#d97706', width: 2, spanGaps: true, points: { show: true, size: 6 } },
        ],
        hooks: {
          draw: [
            (plot) => {
              const mark = bestRef.current;
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
            },
          ],
        },
      },
      data.current,
      el,
    );
    chart.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: width(), height: 300 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    const [steps, training, validation] = data.current;
    const last = steps.at(-1) ?? 0;
    let added = 0;
    for (const point of points) {
      if (point.step <= last) continue;
      steps.push(point.step);
      training.push(point.trainingLoss ?? null);
      validation.push(point.validationLoss ?? null);
      added++;
    }
    // New arrays' length only: uPlot redraws its canvas from the same arrays, no rebuild.
    if (added > 0 || best) chart.current?.setData(data.current, true);
    box.current?.setAttribute('data-points', String(steps.length));
  }, [points, best?.step, totalSteps]);

  const latest = points.at(-1);
  const summary = latest
    ? `Step ${latest.step}${totalSteps ? ` of ${totalSteps}` : ''}: training loss ${formatLoss(latest.trainingLoss)}. ` +
      (best ? `Best validation loss ${formatLoss(best.loss)} at step ${best.step}.` : 'No validation loss yet.')
    : 'No training step recorded yet.';

  return (
    <figure class="chart">
      <div ref={box} class="chart-canvas" role="img" aria-label={`Loss curve. ${summary}`} data-points="0" />
      <figcaption id="loss-summary" aria-live="polite">
        {summary}
      </figcaption>
      <details>
        <summary>Losses as a table ({points.length} steps)</summary>
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
    </figure>
  );
}
