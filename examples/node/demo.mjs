// A slow provider call and a fast one at once, each on its own worker:
//   node examples/node/demo.mjs http://127.0.0.1:9098
// against `pbx-host standin --addr 127.0.0.1:9098 --delay-ms 3000
// --delay-path /sipstatus/speaking` (README, "From JavaScript (jco)").
// Prints each answer as it arrives: the fast one first, while the slow one
// is still pending, and the main thread's timer ticks meanwhile.
import { PbxPool } from './pbx-pool.mjs';

const base = process.argv[2] ?? 'http://127.0.0.1:9098';
const cfg = { authKey: 'demo-auth-key', baseUrl: base };
const pool = await new PbxPool({ size: 2 }).ready;
let ticks = 0;
const timer = setInterval(() => ticks++, 10);
const slow = pool.call('ringostat', 'sipSpeaking', cfg).then((v) => console.log(`slow sip-speaking: ${JSON.stringify(v)}`));
const fast = pool.call('ringostat', 'sipOnline', cfg).then((v) => console.log(`fast sip-online: ${JSON.stringify(v)}`));
await Promise.all([slow, fast]);
clearInterval(timer);
console.log(`main thread timer ran ${ticks > 0 ? 'meanwhile' : 'never'}`);
await pool.close();
