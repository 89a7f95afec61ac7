// The pbx component under Node without blocking the event loop: each call
// runs on a worker thread that holds its own instance of the jco-transpiled
// component; the caller's thread only posts a message and awaits the reply.
//
// Why: jco's WASI HTTP for Node (@bytecodealliance/preview2-shim) sends a
// request and waits for its answer synchronously on the thread that called
// the component, so a call made on the main thread stops every timer,
// socket and request of that thread until the provider answers. (JSPI, the
// way to await inside wasm, needs Node 24+.) A pool of N workers runs N
// calls at once; more wait in line for a free worker.
//
//   import { PbxPool } from './pbx-pool.mjs';
//   const pool = new PbxPool({ size: 4 });
//   const online = await pool.call('ringostat', 'sipOnline', { authKey: 'KEY' });
//   await pool.close();
//
// Functions and arguments are jco's: interfaces and functions in
// camelCase, records as objects with camelCase fields, `option` as the value
// or undefined. A typed `error` rejects with the error variant itself,
// e.g. { tag: 'unauthorized', val: '...' }.
import { Worker } from 'node:worker_threads';

const here = new URL('.', import.meta.url);

export class PbxPool {
  // `module`: the transpiled component's JS file (default: where the README
  // puts it, target/tools/jco/pbx-js/pbx_component.js).
  constructor({ size = 4, module = new URL('../../target/tools/jco/pbx-js/pbx_component.js', here).href } = {}) {
    this.idle = [];
    this.waiting = [];
    this.pending = new Map();
    this.next = 0;
    const started = [];
    for (let i = 0; i < size; i++) {
      const worker = new Worker(new URL('pbx-worker.mjs', here), { workerData: { module } });
      worker.on('message', (m) => this.#answer(worker, m));
      worker.on('error', (e) => this.#fail(e));
      started.push(new Promise((resolve) => worker.once('message', resolve)));
      this.idle.push(worker);
    }
    this.workers = [...this.idle];
    // Every worker has loaded and instantiated the component.
    this.ready = Promise.all(started).then(() => this);
  }

  // Calls `iface.fn(...args)` on a free worker: its result, or a rejection
  // with the component's typed error.
  call(iface, fn, ...args) {
    return new Promise((resolve, reject) => {
      const job = { id: this.next++, iface, fn, args, resolve, reject };
      const worker = this.idle.pop();
      if (worker) this.#send(worker, job);
      else this.waiting.push(job);
    });
  }

  async close() {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  #send(worker, job) {
    this.pending.set(worker, job);
    worker.postMessage({ iface: job.iface, fn: job.fn, args: job.args });
  }

  #answer(worker, m) {
    if (m.ready) return;
    const job = this.pending.get(worker);
    this.pending.delete(worker);
    if ('ok' in m) job.resolve(m.ok);
    else job.reject(m.err);
    const nextJob = this.waiting.shift();
    if (nextJob) this.#send(worker, nextJob);
    else this.idle.push(worker);
  }

  #fail(e) {
    for (const job of this.pending.values()) job.reject(e);
    this.pending.clear();
  }
}
