// A second (third...) client thread, for when one event loop cannot keep the
// fastest server busy. Runs the same loop as the main thread and sends back
// its recorder columns.
import { parentPort, workerData } from 'node:worker_threads';
import { S3Client } from './s3-client.mjs';
import { WORKLOADS, makeOp } from './workloads.mjs';
import { Recorder, runLoop, sleepUntil } from './load.mjs';

const { workloadId, clientOpts, concurrency, tag } = workerData;
const workload = WORKLOADS.find((w) => w.id === workloadId);
const client = new S3Client({ ...clientOpts, maxSockets: concurrency });
const op = makeOp(workload, client, tag); // builds the body pool before timing starts
parentPort.postMessage({ type: 'ready' });

parentPort.once('message', async ({ start, stopAt }) => {
  const rec = new Recorder();
  try {
    await sleepUntil(start);
    await runLoop(op, concurrency, stopAt, rec);
    const out = rec.export();
    parentPort.postMessage({ type: 'done', rec: out }, [out.t.buffer, out.lat.buffer, out.bytes.buffer, out.units.buffer]);
  } catch (e) {
    parentPort.postMessage({ type: 'error', message: e.message, kind: e.kind });
  } finally {
    client.close();
  }
});
