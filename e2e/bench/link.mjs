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
//   - each direction is serialised at the link's rate in 1,460-byte segments
//     (one TCP segment each), connections taking turns segment by segment
//     (fair queuing: concurrent TCP flows share a bottleneck roughly
//     equally, so a small response is not stuck behind a large one that
//     started first), then travels half the round trip plus half the
//     region's extra distance;
//   - bytes are logged with the wall-clock time they reach the far side, so a
//     benchmark can count what crossed the link before a moment in the page.

import net from 'node:net';

const SEGMENT = 1460;

/// The links the benchmarks emulate: a phone on a congested mobile network
/// during an outage, and a good connection.
export const LINK_PROFILES = [
  { name: 'phone', rttMs: 150, downBps: 1.6e6, upBps: 750e3 },
  { name: 'good', rttMs: 20, downBps: 20e6, upBps: 20e6 },
];

// How far ahead the scheduler commits the link, in ms: a connection that
// gets data later joins the rotation within this.
const HORIZON_MS = 4;

export class Link {
  /// rttMs: the phone's round trip; downBps/upBps: bits per second.
  constructor({ rttMs, downBps, upBps }) {
    this.rttMs = rttMs;
    this.down = { bps: downBps, busyUntil: 0, flows: [], turn: 0, timer: null };
    this.up = { bps: upBps, busyUntil: 0, flows: [], turn: 0, timer: null };
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

  // One direction of one connection: what waits for the link (`pending`,
  // segments and the stream's end, in order) and what is on its way to the
  // far side (`arriving`, in order).
  #flow(side, direction, label, propagationMs, deliver) {
    const flow = { side, direction, label, propagationMs, deliver, pending: [], arriving: [], timer: null };
    side.flows.push(flow);
    return flow;
  }

  // Queues `chunk` (or, without one, the end of the stream: `action`) on
  // `flow`, not to leave before `notBefore`.
  #send(flow, chunk, notBefore, action) {
    const eligible = Math.max(Date.now(), notBefore);
    if (chunk) {
      for (let offset = 0; offset < chunk.length; offset += SEGMENT) {
        flow.pending.push({ eligible, segment: chunk.subarray(offset, offset + SEGMENT) });
      }
    } else {
      flow.pending.push({ eligible, action });
    }
    this.#schedule(flow.side);
  }

  // Serialises pending segments onto `side`, one per connection in turn,
  // up to HORIZON_MS ahead of now; runs again when there is more to do.
  #schedule(side) {
    if (side.timer) return;
    side.timer = setTimeout(() => {
      side.timer = null;
      const now = Date.now();
      let t = Math.max(side.busyUntil, now);
      let wake = Infinity;
      for (;;) {
        if (t > now + HORIZON_MS) {
          wake = t - HORIZON_MS;
          break;
        }
        let picked = null;
        let nextEligible = Infinity;
        for (let i = 0; i < side.flows.length; i += 1) {
          const flow = side.flows[(side.turn + i) % side.flows.length];
          const head = flow.pending[0];
          if (!head) continue;
          if (head.eligible <= t) {
            picked = flow;
            side.turn = (side.turn + i + 1) % side.flows.length;
            break;
          }
          nextEligible = Math.min(nextEligible, head.eligible);
        }
        if (!picked) {
          wake = nextEligible;
          break;
        }
        const item = picked.pending.shift();
        if (item.segment) t += (item.segment.length * 8 * 1000) / side.bps;
        else picked.closed = true;
        picked.arriving.push({ ...item, at: t + picked.propagationMs });
        this.#pump(picked);
      }
      side.busyUntil = t;
      side.flows = side.flows.filter((f) => f.pending.length || !f.closed);
      if (wake !== Infinity) {
        side.timer = setTimeout(() => { side.timer = null; this.#schedule(side); }, Math.max(1, wake - Date.now()));
      }
    }, 0);
  }

  // Delivers what has arrived from `flow`, in order; an item without a
  // segment is an action (the end of the stream) taken in its turn.
  #pump(flow) {
    if (flow.timer || !flow.arriving.length) return;
    const run = () => {
      flow.timer = null;
      while (flow.arriving.length && flow.arriving[0].at <= Date.now()) {
        const item = flow.arriving.shift();
        if (item.segment) {
          this.log.push({ direction: flow.direction, at: Date.now(), bytes: item.segment.length, label: flow.label });
          flow.deliver(item.segment);
        } else {
          item.action();
        }
      }
      if (flow.arriving.length) flow.timer = setTimeout(run, Math.max(1, flow.arriving[0].at - Date.now()));
    };
    flow.timer = setTimeout(run, Math.max(0, flow.arriving[0].at - Date.now()));
  }

  /// A proxy on 127.0.0.1 in front of `upstreamPort`, `extraMs` further away
  /// than the phone's own round trip. Resolves to its port.
  proxy(upstreamPort, { extraMs = 0, label = String(upstreamPort) } = {}) {
    const rtt = this.rttMs + extraMs;
    const oneWay = rtt / 2;
    const server = net.createServer((client) => {
      // The handshake's round trip: nothing the phone sends leaves before it.
      const firstSend = Date.now() + rtt;
      const upstream = net.connect(upstreamPort, '127.0.0.1');
      this.sockets.add(client);
      this.sockets.add(upstream);
      const up = this.#flow(this.up, 'up', label, oneWay, (s) => { if (!upstream.destroyed) upstream.write(s); });
      const down = this.#flow(this.down, 'down', label, oneWay, (s) => { if (!client.destroyed) client.write(s); });
      client.on('data', (chunk) => this.#send(up, Buffer.from(chunk), firstSend));
      upstream.on('data', (chunk) => this.#send(down, Buffer.from(chunk), 0));
      // The end of a stream travels behind its last byte.
      client.on('end', () => this.#send(up, null, firstSend, () => upstream.end()));
      upstream.on('end', () => this.#send(down, null, 0, () => client.end()));
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
        for (const flow of [up, down]) {
          flow.closed = true;
          flow.pending = [];
        }
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

  /// Closes every open connection (the servers stay): a returning visit
  /// comes later than the phone keeps idle connections, and reusing them
  /// would hide the handshake every real return pays.
  dropConnections() {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
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
