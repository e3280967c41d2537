// A heal scan running the whole time a workload is measured: cairn's admin API
// (POST /.cairn/admin/v1/heal, deep) called again each time a scan finishes.
// Used to measure foreground latency with and without a background scan.
import http from 'node:http';
import { SigV4Signer, UNSIGNED_PAYLOAD } from './sigv4-signer.mjs';

export function startHealLoop({ port, accessKey, secretKey }) {
  const signer = new SigV4Signer({ accessKey, secretKey });
  let stopped = false;
  let scans = 0;
  let current;
  const once = () =>
    new Promise((resolve) => {
      const headers = signer.sign('POST', '/.cairn/admin/v1/heal', 'deep=true', { host: `127.0.0.1:${port}` }, UNSIGNED_PAYLOAD);
      current = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/.cairn/admin/v1/heal?deep=true', headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
        res.on('error', () => resolve(false));
      });
      current.on('error', () => resolve(false));
      current.end();
    });
  const done = (async () => {
    while (!stopped) {
      if (!(await once())) throw new Error('the heal scan request failed');
      scans++;
    }
  })();
  return {
    async stop() {
      stopped = true;
      current?.destroy();
      await done.catch(() => undefined);
      return scans;
    },
  };
}
