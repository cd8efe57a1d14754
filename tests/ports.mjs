// Loopback ports for the Node test suites (tests/js, tests/browser, tests/console): a free port to
// start a server on, and a wait until a started server accepts connections. Plain Node, no packages.
import net from "node:net";

export const HOST = "127.0.0.1";

/** A port of 127.0.0.1 that was free a moment ago (the kernel's choice). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, HOST, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Whether `port` accepts a connection now (a refused or silent port is `false` within 200 ms). */
export function portAccepts(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(200, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** Resolves once `port` accepts connections; rejects after `timeoutMs`. */
export async function waitForPort(port, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await portAccepts(port))) {
    if (Date.now() > deadline) throw new Error(`port ${port} did not open within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
