// One worker of PbxPool (pbx-pool.mjs): its own instance of the transpiled
// component; runs one call at a time, blocking only this thread.
import { parentPort, workerData } from 'node:worker_threads';

const pbx = await import(workerData.module);
parentPort.postMessage({ ready: true });
parentPort.on('message', ({ iface, fn, args }) => {
  try {
    parentPort.postMessage({ ok: pbx[iface][fn](...args) });
  } catch (e) {
    // jco throws a ComponentError whose payload is the WIT `error` variant.
    parentPort.postMessage({ err: e && 'payload' in e ? e.payload : String(e) });
  }
});
