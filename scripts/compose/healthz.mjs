// The image's HEALTHCHECK: `node healthz.mjs [URL]` exits 0 when URL answers 200 within 2s. Without a
// URL, the component's own /healthz is found from PID 1's command line (the entrypoint execs node
// there), with each component's flags and kube's default ports, so `docker run` gets a health check
// without being told where to look. Plain JavaScript: it runs every few seconds, without tsx's start-up.
import { get } from 'node:http';
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';

const unspecified = (host) => host === '' || host === '0.0.0.0' || host === '::';

/** The first non-loopback IPv4 address: the container's address on its network. */
function ownAddress() {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

function urlsFromCommandLine() {
  const argv = readFileSync('/proc/1/cmdline', 'utf8').split('\0').filter(Boolean);
  const main = argv.find((a) => /^[a-z-]+\/main\.ts$/.test(a));
  if (!main) throw new Error(`PID 1 is not a k8ts component: ${argv.join(' ')}`);
  const flag = (name, fallback) => {
    for (let i = 0; i < argv.length; i++) {
      if (argv[i] === `--${name}` && i + 1 < argv.length) return argv[i + 1];
      if (argv[i].startsWith(`--${name}=`)) return argv[i].slice(name.length + 3);
    }
    return fallback;
  };
  const local = (host) => (unspecified(host) ? '127.0.0.1' : host);
  switch (main.split('/')[0]) {
    case 'apiserver':
      return [`http://${local(flag('bind-address', '127.0.0.1'))}:${flag('port', '8080')}/healthz`];
    case 'scheduler':
      return [`http://${local(flag('bind-address', '127.0.0.1'))}:${flag('secure-port', '10259')}/healthz`];
    case 'controller-manager':
      return [`http://${local(flag('bind-address', '127.0.0.1'))}:${flag('secure-port', '10257')}/healthz`];
    case 'kubelet':
      return [`http://${flag('node-ip', '127.1.0.1')}:${flag('port', '10250')}/healthz`];
    case 'kube-proxy': {
      // An unspecified healthz address means the node's IP (the Node's InternalIP): this container's
      // address, or loopback when the proxy found no Node.
      const [, host, port] = /^(.*):(\d+)$/.exec(flag('healthz-bind-address', '0.0.0.0:10256')) ?? [];
      return unspecified(host) ? [`http://${ownAddress()}:${port}/healthz`, `http://127.0.0.1:${port}/healthz`] : [`http://${host}:${port}/healthz`];
    }
    default:
      throw new Error(`no health endpoint known for ${main}`);
  }
}

function probe(url) {
  return new Promise((resolve) => {
    const req = get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? '' : `${url}: HTTP ${res.statusCode}`);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => resolve(`${url}: ${err.message}`));
  });
}

try {
  const urls = process.argv[2] ? [process.argv[2]] : urlsFromCommandLine();
  const failures = [];
  for (const url of urls) {
    const failure = await probe(url);
    if (!failure) process.exit(0);
    failures.push(failure);
  }
  console.error(failures.join('; '));
} catch (err) {
  console.error(err.message);
}
process.exit(1);
