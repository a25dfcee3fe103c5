// Real storage servers on loopback for the end-to-end tests, started and
// stopped by the tests: moto's S3 server (pip, xtask/storage/requirements.txt)
// and Microsoft's Azurite (npm, package.json), both installed by
// `cargo xtask setup`. The same servers the CLI's publish tests use
// (crates/bongsu-cli/tests/common/storage.rs).

import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repo } from './harness.mjs';

export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/// The credentials `bongsu publish` finds in its environment, as an
/// operator's would be.
export const CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'bongsu-e2e',
  AWS_SECRET_ACCESS_KEY: 'bongsu-e2e-secret',
  AZURE_STORAGE_ACCOUNT_KEY: AZURITE_KEY,
};

/// Spawns a server and resolves with { proc, url } once its output matches
/// `pattern` (whose first group is the URL). The output goes to a file, not
/// a pipe: moto logs every request, and a pipe nobody reads while a test
/// blocks in execFileSync fills up and stalls the server.
function startProcess(command, args, env, pattern) {
  const logDir = mkdtempSync(path.join(tmpdir(), 'bongsu-storage-'));
  const log = path.join(logDir, 'server.log');
  const fd = openSync(log, 'w');
  const proc = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      const seen = readFileSync(log, 'utf8');
      const m = seen.match(pattern);
      if (m) {
        clearInterval(poll);
        resolve({ proc, url: m[1].replace(/\/$/, ''), log });
      } else if (Date.now() - started > 20000) {
        clearInterval(poll);
        proc.kill('SIGKILL');
        reject(new Error(`${command} did not start in 20 s:\n${seen}`));
      }
    }, 50);
    proc.on('exit', (code) => {
      clearInterval(poll);
      reject(new Error(`${command} exited (${code}) before it started:\n${readFileSync(log, 'utf8')}`));
    });
  });
}

export async function startMoto() {
  const dir = path.join(repo, 'target/storage-emulators/moto');
  if (!existsSync(path.join(dir, 'moto'))) throw new Error(`moto is not installed at ${dir}: run \`cargo xtask setup\``);
  return startProcess('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', '0'],
    { PYTHONPATH: dir, MOTO_DISABLE_GLOBAL_CORS: '1', PYTHONDONTWRITEBYTECODE: '1' },
    /Running on (http:\/\/\S+)/);
}

export async function startAzurite() {
  const bin = path.join(repo, 'e2e/node_modules/.bin/azurite-blob');
  if (!existsSync(bin)) throw new Error(`Azurite is not installed at ${bin}: run \`cargo xtask setup\``);
  const server = await startProcess(bin, ['--blobHost', '127.0.0.1', '--blobPort', '0', '--inMemoryPersistence',
    '--disableTelemetry', '--skipApiVersionCheck'], {}, /successfully listens on (http:\/\/\S+)/);
  return { ...server, root: server.url, url: `${server.url}/${AZURITE_ACCOUNT}` };
}

export function stopProcess(server) {
  const cleanUp = () => { if (server.log) rmSync(path.dirname(server.log), { recursive: true, force: true }); };
  return new Promise((resolve) => {
    if (server.proc.exitCode !== null || server.proc.signalCode !== null) {
      cleanUp();
      return resolve();
    }
    server.proc.removeAllListeners('exit');
    server.proc.once('exit', () => { cleanUp(); resolve(); });
    server.proc.kill('SIGKILL');
  });
}

async function ok(response, what) {
  if (!response.ok) throw new Error(`${what}: ${response.status} ${await response.text()}`);
}

/// A bucket anyone may read, with CORS for any origin; returns its URL.
export async function motoBucket(moto, name) {
  const put = async (suffix, type, body) =>
    ok(await fetch(`${moto.url}/${name}${suffix}`, { method: 'PUT', headers: { 'content-type': type }, body }), `moto ${name}${suffix}`);
  await put('', 'application/xml', '');
  await put('?policy', 'application/json', JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${name}/*` }],
  }));
  await put('?cors', 'application/xml', '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>'
    + '<AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedHeader>*</AllowedHeader>'
    + '<ExposeHeader>ETag</ExposeHeader></CORSRule></CORSConfiguration>');
  return `${moto.url}/${name}`;
}

/// A PUT signed with the account key (Shared Key), for the setup that
/// `bongsu publish` does not do.
async function azuritePut(azurite, pathPart, query, headers, contentType = '', body = '') {
  const ms = { ...headers, 'x-ms-date': new Date().toUTCString(), 'x-ms-version': '2021-10-04' };
  const canonicalHeaders = Object.keys(ms).sort().map((k) => `${k}:${ms[k]}\n`).join('');
  const q = Object.entries(query).sort(([a], [b]) => a.localeCompare(b));
  // Path-style URLs name the account twice in the signed resource.
  const resource = `/${AZURITE_ACCOUNT}/${AZURITE_ACCOUNT}${pathPart}${q.map(([k, v]) => `\n${k}:${v}`).join('')}`;
  const length = body.length ? String(Buffer.byteLength(body)) : '';
  const toSign = `PUT\n\n\n${length}\n\n${contentType}\n\n\n\n\n\n\n${canonicalHeaders}${resource}`;
  const signature = createHmac('sha256', Buffer.from(AZURITE_KEY, 'base64')).update(toSign, 'utf8').digest('base64');
  const url = `${azurite.url}${pathPart}?${q.map(([k, v]) => `${k}=${v}`).join('&')}`;
  const response = await fetch(url, {
    method: 'PUT',
    headers: { ...ms, authorization: `SharedKey ${AZURITE_ACCOUNT}:${signature}`, ...(contentType ? { 'content-type': contentType } : {}) },
    body: body || undefined,
  });
  await ok(response, `azurite ${pathPart}`);
}

/// A container anyone may read blobs from, and CORS for any origin.
export async function azuriteContainer(azurite, name) {
  await azuritePut(azurite, `/${name}`, { restype: 'container' }, { 'x-ms-blob-public-access': 'blob' });
  await azuritePut(azurite, '/', { comp: 'properties', restype: 'service' }, {}, 'application/xml',
    '<?xml version="1.0" encoding="utf-8"?><StorageServiceProperties><Cors><CorsRule><AllowedOrigins>*</AllowedOrigins>'
    + '<AllowedMethods>GET,HEAD,OPTIONS</AllowedMethods><MaxAgeInSeconds>3600</MaxAgeInSeconds>'
    + '<ExposedHeaders>ETag</ExposedHeaders><AllowedHeaders>*</AllowedHeaders></CorsRule></Cors></StorageServiceProperties>');
  return `${azurite.url}/${name}`;
}

/// `--to` for a moto bucket or an Azurite container, read back from `public`.
export function s3Destination(moto, bucket, prefix) {
  return `s3://${bucket}/${prefix}?endpoint=${moto.url}&region=us-east-1&public=${moto.url}/${bucket}/${prefix}`;
}

export function azureDestination(azurite, container, prefix) {
  return `az://${container}/${prefix}?account=${AZURITE_ACCOUNT}&endpoint=${azurite.url}`
    + `&public=${azurite.url}/${container}/${prefix}`;
}
