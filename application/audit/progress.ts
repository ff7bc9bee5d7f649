import cliProgress from 'cli-progress';

/** How far a long pass has got: events done and the fraction of the log behind it (0..1). */
export type ProgressSink = {
  update(events: number, fraction: number): void;
  stop(): void;
};

const rateText = (events: number, ms: number) => Math.round(events / Math.max(ms / 1000, 0.001));

function etaText(startedAt: number, fraction: number): string {
  if (fraction <= 0) return '?';
  const left = ((Date.now() - startedAt) * (1 - fraction)) / fraction / 1000;
  return left < 60 ? `${Math.round(left)}s` : `${Math.floor(left / 60)}m${Math.round(left % 60)}s`;
}

/**
 * A progress bar (cli-progress) when the stream is a terminal; otherwise a plain line every `everyMs`, so
 * logs and CI output stay readable. Shows events, events/s and ETA.
 */
export function createProgress(label: string, stream: NodeJS.WriteStream, everyMs = 2_000): ProgressSink {
  const startedAt = Date.now();
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${label} |{bar}| {percentage}% | {events} events | {rate} ev/s | ETA {eta_text}`,
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(1000, 0, { events: 0, rate: 0, eta_text: '?' });
    return {
      update(events, fraction) {
        bar.update(Math.round(fraction * 1000), {
          events,
          rate: rateText(events, Date.now() - startedAt),
          eta_text: etaText(startedAt, fraction),
        });
      },
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  let latest = { events: 0, fraction: 0 };
  let printed = false;
  const line = () => {
    printed = true;
    stream.write(
      `${label}: ${(latest.fraction * 100).toFixed(1)}% ${latest.events} events ${rateText(latest.events, Date.now() - startedAt)} ev/s ETA ${etaText(startedAt, latest.fraction)}\n`,
    );
  };
  return {
    update(events, fraction) {
      latest = { events, fraction };
      printed = false;
      if (Date.now() - last >= everyMs) {
        last = Date.now();
        line();
      }
    },
    // The final line, unless the last update already printed it.
    stop: () => {
      if (!printed) line();
    },
  };
}
