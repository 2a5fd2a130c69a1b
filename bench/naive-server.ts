// The naive column of `npm run bench:serve`: a plain node:http handler that parses the body and
// calls model.predict per request, on one thread, no batching. What `nerva serve` must clearly beat.
//   node --import tsx bench/naive-server.ts MODEL_DIR PORT
import { createServer } from 'node:http';
import { loadModel, tensor } from '../src/index.js';

const [dir, portArg] = process.argv.slice(2);
const model = await loadModel(dir);
model.predict(tensor(new Float32Array(784), [1, 28, 28]));

createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { instances: number[][][] };
      const y = model.predict(tensor(body.instances));
      const out = JSON.stringify({ predictions: y.toArray() });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(out);
    } catch (e) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: (e as Error).message }));
    }
  });
}).listen(Number(portArg), '127.0.0.1', () => console.log(`naive server ready on ${portArg}`));
