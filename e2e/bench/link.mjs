// A phone's network link, emulated in this process, for the realistic-network
// benchmark (network.mjs). Every origin the page talks to (the app, each
// region) sits behind a proxy on loopback; all proxies share one downlink and
// one uplink, so parallel downloads compete for the phone's bandwidth as they
// do on a real cell.
//
// Why not `tc netem`: this machine's kernel has no netem (tc knows tbf, htb
// and pfifo here, not netem, prio or fq_codel). Why not Chromium's own
// network emulation alone: it adds latency per request, not per TCP
// connection, and does not throttle the service worker's own fetches, so a
// returning visit would look free. The model here:
//   - a connection's first bytes leave only after one round trip (the TCP
//     handshake; plain HTTP, so no TLS round trip: a real deployment adds one);
//   - each direction adds half the round trip plus half the region's extra
//     distance, then waits its turn on the shared link and is serialised at
//     the link's rate, in 1,460-byte segments (one TCP segment each);
//   - bytes are logged with the wall-clock time they reach the far side, so a
//     benchmark can count what crossed the link before a moment in the page.

import net from 'node:net';

const SEGMENT = 1460;

export class Link {
  /// rttMs: the phone's round trip; downBps/upBps: bits per second.
  constructor({ rttMs, downBps, upBps }) {
    this.rttMs = rttMs;
    this.down = { bps: downBps, busyUntil: 0 };
    this.up = { bps: upBps, busyUntil: 0 };
    this.log = [];
    this.servers = [];
    this.sockets = new Set();
  }

  /// Forgets the byte log (the shared queues keep their state).
  resetLog() {
    this.log = [];
  }

  /// Bytes that reached the phone (down) or the servers (up) before `until`
  /// (Date.now() clock), optionally only for one proxy's label.
  bytes(direction, until = Infinity, label) {
    return this.log
      .filter((e) => e.direction === direction && e.at <= until && (label === undefined || e.label === label))
      .reduce((sum, e) => sum + e.bytes, 0);
  }

  // Schedules `chunk` across one direction into `queue` (one per
  // connection and direction, so its bytes stay in order whatever timers
  // do); calls deliver(segment) as each arrives. Returns the arrival time
  // of its last segment.
  #send(side, direction, chunk, notBefore, propagationMs, label, queue, deliver) {
    let last = notBefore;
    for (let offset = 0; offset < chunk.length; offset += SEGMENT) {
      const segment = chunk.subarray(offset, offset + SEGMENT);
      const enter = Math.max(Date.now(), notBefore) + propagationMs;
      const start = Math.max(enter, side.busyUntil);
      side.busyUntil = start + (segment.length * 8 * 1000) / side.bps;
      last = side.busyUntil;
      queue.items.push({ at: last, segment });
    }
    this.#pump(queue, direction, label, deliver);
    return last;
  }

  // Delivers what is due from `queue`, in order; an item without a segment
  // is an action (the end of the stream) taken in its turn.
  #pump(queue, direction, label, deliver) {
    if (queue.timer || !queue.items.length) return;
    const run = () => {
      queue.timer = null;
      while (queue.items.length && queue.items[0].at <= Date.now()) {
        const item = queue.items.shift();
        if (item.segment) {
          this.log.push({ direction, at: Date.now(), bytes: item.segment.length, label });
          deliver(item.segment);
        } else {
          item.action();
        }
      }
      if (queue.items.length) queue.timer = setTimeout(run, Math.max(1, queue.items[0].at - Date.now()));
    };
    queue.timer = setTimeout(run, Math.max(0, queue.items[0].at - Date.now()));
  }

  /// A proxy on 127.0.0.1 in front of `upstreamPort`, `extraMs` further away
  /// than the phone's own round trip. Resolves to its port.
  proxy(upstreamPort, { extraMs = 0, label = String(upstreamPort) } = {}) {
    const rtt = this.rttMs + extraMs;
    const oneWay = rtt / 2;
    const server = net.createServer((client) => {
      const connectedAt = Date.now();
      // The handshake's round trip: nothing the phone sends leaves before it.
      const firstSend = connectedAt + rtt;
      const upstream = net.connect(upstreamPort, '127.0.0.1');
      this.sockets.add(client);
      this.sockets.add(upstream);
      let upDone = firstSend;
      let downDone = 0;
      const upQueue = { items: [], timer: null };
      const downQueue = { items: [], timer: null };
      client.on('data', (chunk) => {
        upDone = this.#send(this.up, 'up', Buffer.from(chunk), firstSend, oneWay, label, upQueue, (s) => {
          if (!upstream.destroyed) upstream.write(s);
        });
      });
      upstream.on('data', (chunk) => {
        downDone = this.#send(this.down, 'down', Buffer.from(chunk), 0, oneWay, label, downQueue, (s) => {
          if (!client.destroyed) client.write(s);
        });
      });
      // The end of a stream travels behind its last byte.
      const endAfter = (queue, at, socket, direction, deliver) => {
        queue.items.push({ at, action: () => socket.end() });
        this.#pump(queue, direction, label, deliver);
      };
      client.on('end', () => endAfter(upQueue, upDone, upstream, 'up', (s) => upstream.write(s)));
      upstream.on('end', () => endAfter(downQueue, downDone, client, 'down', (s) => client.write(s)));
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', drop);
      upstream.on('error', drop);
    });
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server.address().port));
    });
  }

  close() {
    for (const socket of this.sockets) socket.destroy();
    return Promise.all(this.servers.map((s) => new Promise((r) => s.close(() => r()))));
  }
}

/// An address where packets vanish: a veth whose peer is down, with a static
/// neighbour entry, so a connection's SYNs leave and nothing (no reset, no
/// ICMP) ever comes back, the way a burnt datacenter is gone. Needs root and
/// iproute2; returns null (and says why) where they are missing.
export async function blackHole({ name = 'bongsubh0', address = '10.79.0.2' } = {}) {
  const { execFileSync } = await import('node:child_process');
  const ip = (...args) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    try { ip('link', 'del', name); } catch { /* left over from an earlier run, or absent */ }
    ip('link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`);
    ip('addr', 'add', `${address.replace(/\.\d+$/, '.1')}/30`, 'dev', name);
    ip('link', 'set', name, 'up');
    ip('neigh', 'replace', address, 'lladdr', '02:00:00:00:00:02', 'dev', name, 'nud', 'permanent');
  } catch (error) {
    return { address: null, why: String(error.stderr ?? error.message).trim(), close() {} };
  }
  return {
    address,
    why: `${address}, behind a veth whose peer is down: SYNs are dropped, nothing answers`,
    close() {
      try { ip('link', 'del', name); } catch { /* already gone */ }
    },
  };
}
