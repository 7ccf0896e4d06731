/** A progress bar with its text (steps of total, time left): readable without seeing the bar. */
import { formatDuration } from './format';

export function ProgressBar(props: {
  fraction: number | null;
  step?: number | null;
  total?: number | null;
  secondsLeft?: number | null;
  label: string;
  /** The text without a step or fraction: 'waiting' (the default) before the job runs, another once it ended. */
  idle?: string;
}) {
  const { fraction, step, total, secondsLeft } = props;
  const percent = fraction === null ? null : Math.round(fraction * 100);
  const parts = [
    step != null && total != null
      ? `step ${step} of ${total}`
      : percent !== null
        ? `${percent} %`
        : (props.idle ?? 'waiting'),
    secondsLeft != null && secondsLeft > 0 ? `about ${formatDuration(secondsLeft)} left` : '',
  ].filter(Boolean);
  return (
    <div class="progress">
      <progress max={100} value={percent ?? undefined} aria-label={props.label}>
        {percent ?? 0} %
      </progress>
      <span class="progress-text">{parts.join(' · ')}</span>
    </div>
  );
}
