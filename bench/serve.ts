// `npm run bench:serve`: nerva serve against a naive node:http server (parse + predict per request,
// one thread) and FastAPI + uvicorn (2 workers) + PyTorch serving the same saved weights, under
// autocannon at 32 connections: single-image requests and 32-image requests. Checks first that the
// three return the same probabilities (1e-5). Servers run one at a time, each round in a rotated
// order, and the table shows medians over rounds and ratios from the same run.
//   npm run bench:serve [-- --duration 10 --warmup 2 --rounds 2 --connections 32 --model DIR --workers N]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { datasets } from '../src/index.js';

const root = join(import.meta.dirname, '..');
const argv = process.argv.slice(2);
function opt(name: string, dflt: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : dflt;
}
const duration = Number(opt('duration', '10'));
const warmup = Number(opt('warmup', '2'));
const rounds = Number(opt('rounds', '2'));
const connections = Number(opt('connections', '32'));
const workersOpt = opt('workers', '');
const only = opt('only', '');
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

// ---- the model and the request bodies -------------------------------------------------------

let modelDir = opt('model', join(root, 'out', 'mnist', 'model'));
if (!existsSync(join(modelDir, 'model.json'))) {
  modelDir = join(root, 'out', 'bench-serve', 'model');
  if (!existsSync(join(modelDir, 'model.json'))) {
    console.log('no trained model in out/mnist/model: training one epoch into out/bench-serve ...');
    const r = spawnSync(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'mnist', '--epochs', '1', '--quiet', '--seed', '1', '--out', join(root, 'out', 'bench-serve')], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('training the bench model failed');
  }
}

const [, [xTest]] = datasets.mnist.loadData();
const px = xTest.data();
/** Test image i as the nested [28][28] list of pixel/255 a client would send. */
function image(i: number): number[][] {
  const rows: number[][] = [];
  for (let r = 0; r < 28; r++) rows.push(Array.from(px.subarray(i * 784 + r * 28, i * 784 + r * 28 + 28), (v) => v / 255));
  return rows;
}
const singleBodies = Array.from({ length: 64 }, (_, i) => JSON.stringify({ instances: [image(i)] }));
const batchBodies = Array.from({ length: 8 }, (_, b) => JSON.stringify({ instances: Array.from({ length: 32 }, (_, i) => image(100 + b * 32 + i)) }));

// ---- the servers --------------------------------------------------------------------------

interface ServerDef {
  key: string;
  label: string;
  port: number;
  cmd: string;
  args: string[];
  env?: Record<string, string>;
  /** Printed by the server when ready (else: poll the status route). */
  readyLine?: RegExp;
}

// --workers 1,2 runs one nerva server per worker count (to choose the default); else the default.
const nervaVariants = workersOpt ? workersOpt.split(',') : [''];
const servers: ServerDef[] = [
  ...nervaVariants.map((w, i) => ({
    key: i === 0 ? 'nerva' : `nerva-w${w}`,
    label: w ? `nerva serve, ${w}w` : 'nerva serve',
    port: 18610 + i,
    cmd: process.execPath,
    args: [join(root, 'dist', 'cli', 'main.js'), 'serve', modelDir, '--name', 'mnist', '--port', String(18610 + i), ...(w ? ['--workers', w] : [])],
    readyLine: /^Serving /m,
  })),
  {
    key: 'naive',
    label: 'naive node:http',
    port: 18602,
    cmd: process.execPath,
    args: ['--import', 'tsx', join(root, 'bench', 'naive-server.ts'), modelDir, '18602'],
    readyLine: /ready/,
  },
  {
    key: 'fastapi',
    label: 'FastAPI+PyTorch',
    port: 18603,
    cmd: python,
    args: [join(root, 'bench', 'fastapi_server.py'), modelDir, '18603', '2'],
  },
].filter((s) => !only || only.split(',').some((k) => s.key.startsWith(k)));

// FastAPI + PyTorch come from Debian's packages; without them the table has nerva and naive only.
if (servers.some((s) => s.key === 'fastapi') && spawnSync(python, ['-c', 'import fastapi, uvicorn, torch'], { stdio: 'ignore' }).status !== 0) {
  console.log(`${python} cannot import fastapi, uvicorn and torch: apt-get install -y python3-fastapi python3-uvicorn python3-torch libopenblas0-pthread; running without the FastAPI column`);
  servers.splice(servers.findIndex((s) => s.key === 'fastapi'), 1);
}

const running: ChildProcess[] = [];
process.on('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

async function start(s: ServerDef): Promise<ChildProcess> {
  const child = spawn(s.cmd, s.args, { cwd: root, env: { ...process.env, ...s.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${s.label} exited (${child.exitCode}):\n${out}`);
    if (Date.now() > deadline) throw new Error(`${s.label} did not start within 120 s:\n${out}`);
    if (s.readyLine ? s.readyLine.test(out) : await answers(s.port)) return child;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function answers(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/v1/models/mnist`)).ok;
  } catch {
    return false;
  }
}

async function predict(port: number, body: string): Promise<number[][]> {
  const r = await fetch(`http://127.0.0.1:${port}/v1/models/mnist:predict`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  const j = (await r.json()) as { predictions: number[][] };
  if (!r.ok) throw new Error(`HTTP ${r.status}: ${JSON.stringify(j)}`);
  return j.predictions;
}

function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** CPU seconds used so far by a process and all its descendants (Linux /proc). */
function cpuSeconds(pid: number): number {
  const tick = 100; // USER_HZ on Linux
  const stats = new Map<number, { ppid: number; cpu: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const text = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(d), { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / tick });
    } catch {
      // the process ended meanwhile
    }
  }
  let total = 0;
  const todo = [pid];
  while (todo.length) {
    const p = todo.pop()!;
    total += stats.get(p)?.cpu ?? 0;
    for (const [c, s] of stats) if (s.ppid === p) todo.push(c);
  }
  return total;
}

// ---- load ---------------------------------------------------------------------------------

interface Measure {
  reqs: number;
  /** Server CPU time per request, in microseconds (all its threads and processes). */
  cpuUs: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(port: number, pid: number, bodies: string[], seconds: number): Promise<Measure> {
  const cpu0 = cpuSeconds(pid);
  const r = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    requests: bodies.map((body) => ({ method: 'POST' as const, path: '/v1/models/mnist:predict', body, headers: { 'content-type': 'application/json' } })),
  });
  const cpu = cpuSeconds(pid) - cpu0;
  return { reqs: r.requests.average, cpuUs: (cpu / Math.max(1, r.requests.total)) * 1e6, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts + r.non2xx };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// ---- run ----------------------------------------------------------------------------------

console.log(`model: ${modelDir}; ${connections} connections, ${rounds} round(s) of ${warmup} s warm-up + ${duration} s per server and request size`);
const children = new Map<string, ChildProcess>();
for (const s of servers) {
  process.stdout.write(`starting ${s.label} ... `);
  children.set(s.key, await start(s));
  console.log('ready');
}

// Same probabilities from all three (1e-5), on single requests and one 32-image request.
const reference = servers[0];
let worst = 0;
for (const body of [...singleBodies.slice(0, 16), batchBodies[0]]) {
  const want = await predict(reference.port, body);
  for (const s of servers.slice(1)) {
    const got = await predict(s.port, body);
    want.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - got[i][j])))));
  }
}
console.log(`probabilities agree: largest difference ${worst.toExponential(2)} over 48 images (must be <= 1e-5)`);
if (!(worst <= 1e-5)) {
  console.error('the servers disagree');
  process.exit(1);
}

const scenarios = [
  { key: 'single', label: '1 image / request', bodies: singleBodies, images: 1 },
  { key: 'batch32', label: '32 images / request', bodies: batchBodies, images: 32 },
];
const results = new Map<string, Measure[]>();
const nervaPid = children.get('nerva')?.pid;
const rssBefore = nervaPid ? rssMiB(nervaPid) : NaN;
for (let round = 0; round < rounds; round++) {
  for (const sc of scenarios) {
    // Rotate the order each round so that no server always runs first or last.
    const order = servers.map((_, i) => servers[(i + round) % servers.length]);
    for (const s of order) {
      const pid = children.get(s.key)!.pid!;
      await load(s.port, pid, sc.bodies, warmup);
      const m = await load(s.port, pid, sc.bodies, duration);
      const key = `${sc.key}/${s.key}`;
      results.set(key, [...(results.get(key) ?? []), m]);
      console.log(`  round ${round + 1} ${sc.label.padEnd(20)} ${s.label.padEnd(16)} ${m.reqs.toFixed(0).padStart(6)} req/s  p50 ${m.p50} ms  p99 ${m.p99} ms  CPU ${m.cpuUs.toFixed(0)} us/req${m.errors ? `  ${m.errors} errors` : ''}`);
    }
  }
}
const rssAfter = nervaPid ? rssMiB(nervaPid) : NaN;

const table: Record<string, Record<string, { reqs: number; imagesPerSec: number; p50: number; p99: number; cpuUs: number; errors: number }>> = {};
console.log(`\n| request | server | req/s | images/s | p50 ms | p99 ms | CPU µs/req | vs FastAPI | vs naive |`);
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
for (const sc of scenarios) {
  table[sc.key] = {};
  for (const s of servers) {
    const ms = results.get(`${sc.key}/${s.key}`)!;
    table[sc.key][s.key] = {
      reqs: median(ms.map((m) => m.reqs)),
      imagesPerSec: median(ms.map((m) => m.reqs)) * sc.images,
      p50: median(ms.map((m) => m.p50)),
      p99: median(ms.map((m) => m.p99)),
      cpuUs: median(ms.map((m) => m.cpuUs)),
      errors: ms.reduce((n, m) => n + m.errors, 0),
    };
  }
  for (const s of servers) {
    const r = table[sc.key][s.key];
    const vs = (other: string) => (table[sc.key][other] ? `${(r.reqs / table[sc.key][other].reqs).toFixed(1)}x` : '-');
    console.log(`| ${sc.label} | ${s.label} | ${r.reqs.toFixed(0)} | ${r.imagesPerSec.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.cpuUs.toFixed(0)} | ${vs('fastapi')} | ${vs('naive')} |`);
  }
}
if (nervaPid) console.log(`\nnerva serve resident memory: ${rssBefore.toFixed(0)} MiB before the load, ${rssAfter.toFixed(0)} MiB after`);
const n = table.single.nerva;
const f = table.single.fastapi;
if (n && f) {
  console.log(`targets: single-image req/s ${(n.reqs / f.reqs).toFixed(1)}x FastAPI (>= 10x) with p99 ${n.p99} ms (<= 15 ms); ` +
    `32-image images/s ${(table.batch32.nerva.imagesPerSec / table.batch32.fastapi.imagesPerSec).toFixed(1)}x FastAPI (>= 10x)`);
}
mkdirSync(join(root, 'out'), { recursive: true });
writeFileSync(join(root, 'out', 'bench-serve.json'), JSON.stringify({ connections, duration, rounds, maxDifference: worst, table, rssMiB: { before: rssBefore, after: rssAfter } }, null, 2));
console.log('wrote out/bench-serve.json');
for (const c of running) c.kill('SIGTERM');
