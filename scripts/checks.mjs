// `npm test`'s static checks, run side by side: Prettier, ESLint and both type checks are independent
// and each mostly single-threaded, so on a machine with two or more cores they take about the time
// of the slowest one rather than of all four. Each one's output is printed whole once it ends (never
// interleaved), and the script fails when any of them failed. `npm run lint` runs the first two alone.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));

const CHECKS = [
  ['prettier', [bin('prettier'), '--check', '--log-level', 'warn', '.']],
  ['eslint', [bin('eslint'), '.']],
  ['tsc', [bin('tsc'), '--noEmit']],
  ['tsc (dashboard)', [bin('tsc'), '--noEmit', '-p', 'dashboard']],
];

function run([name, [command, ...args]]) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.on('error', (error) => output.push(Buffer.from(`${error.message}\n`)));
    child.on('close', (code) => {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const text = Buffer.concat(output).toString().trimEnd();
      console.log(`${code === 0 ? 'ok  ' : 'FAIL'} ${name} (${seconds} s)${text ? `\n${text}` : ''}`);
      resolve(code === 0);
    });
  });
}

const results = await Promise.all(CHECKS.map(run));
if (results.includes(false)) process.exit(1);
