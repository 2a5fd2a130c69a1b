// Prometheus metrics for the server, written in the text exposition format (version 0.0.4):
// requests by route and status, request latency, batch sizes, queue depth. Labels are route
// templates, never raw URLs, so the number of series stays bounded whatever clients send.

type Labels = Record<string, string>;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function num(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return Number.isNaN(v) ? 'NaN' : String(v);
}

interface Metric {
  render(out: string[]): void;
}

class Counter implements Metric {
  private readonly series = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels, by = 1): void {
    const key = labelText(labels);
    const s = this.series.get(key);
    if (s) s.value += by;
    else this.series.set(key, { labels, value: by });
  }

  get(labels: Labels): number {
    return this.series.get(labelText(labels))?.value ?? 0;
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`);
    for (const [key, s] of this.series) out.push(`${this.name}${key} ${num(s.value)}`);
  }
}

class Histogram implements Metric {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}

  observe(labels: Labels, v: number): void {
    const key = labelText(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels, counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    // Buckets are cumulative in the output; here each observation counts once, in its own bucket.
    let i = 0;
    while (i < this.buckets.length && v > this.buckets[i]) i++;
    if (i < this.buckets.length) s.counts[i]++;
    s.sum += v;
    s.count++;
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`);
    for (const s of this.series.values()) {
      let cum = 0;
      this.buckets.forEach((b, i) => {
        cum += s.counts[i];
        out.push(`${this.name}_bucket${labelText(s.labels, ['le', num(b)])} ${cum}`);
      });
      out.push(`${this.name}_bucket${labelText(s.labels, ['le', '+Inf'])} ${s.count}`);
      out.push(`${this.name}_sum${labelText(s.labels)} ${num(s.sum)}`);
      out.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
  }
}

class Gauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number,
  ) {}

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`, `${this.name} ${num(this.read())}`);
  }
}

/** The metrics one handler keeps. */
export class ServerMetrics {
  readonly requests = new Counter('nerva_requests_total', 'HTTP requests by route and status code.');
  readonly latency = new Histogram(
    'nerva_request_duration_seconds',
    'Time from receiving a request to sending its response, by route.',
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  );
  readonly batchSize = new Histogram('nerva_batch_size', 'Instances per model.predict call (requests coalesced by dynamic batching).', [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]);
  readonly batchRequests = new Histogram('nerva_batch_requests', 'Requests per batch sent to an inference worker.', [1, 2, 4, 8, 16, 32, 64, 128, 256]);
  readonly inferLatency = new Histogram('nerva_inference_duration_seconds', 'Time of one model.predict call in an inference worker.', [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]);
  readonly rejected = new Counter('nerva_rejected_requests_total', 'Requests refused before inference, by reason.');
  readonly workerCrashes = new Counter('nerva_worker_crashes_total', 'Inference workers that stopped unexpectedly.');
  private readonly gauges: Gauge[];

  constructor(read: { queueDepth: () => number; inFlight: () => number; busyWorkers: () => number; queueCapacity: number }) {
    this.gauges = [
      new Gauge('nerva_queue_depth', 'Requests waiting for an inference worker.', read.queueDepth),
      new Gauge('nerva_queue_capacity', 'Requests the queue holds before answering 503.', () => read.queueCapacity),
      new Gauge('nerva_inflight_requests', 'Requests being received, queued or computed.', read.inFlight),
      new Gauge('nerva_busy_workers', 'Inference workers running a batch.', read.busyWorkers),
    ];
  }

  render(): string {
    const out: string[] = [];
    for (const m of [this.requests, this.latency, this.batchSize, this.batchRequests, this.inferLatency, this.rejected, this.workerCrashes, ...this.gauges]) {
      m.render(out);
    }
    return out.join('\n') + '\n';
  }
}
