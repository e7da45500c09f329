// @simplewebauthn/server (the version pinned in package-lock.json) as an independent verifier of
// `acctsec webauthn verify-registration | verify-assertion --batch` lines.
//
// Usage: node verify.mjs registration|assertion < requests.ndjson > verdicts.ndjson
//        node verify.mjs version          (prints the @simplewebauthn/server version in use)
//
// Reads the same NDJSON requests acctsec reads, one per line:
//   {"id": <any JSON>, "response": RegistrationResponseJSON | AuthenticationResponseJSON,
//    "expected": {"challenge", "origin", "rpId", "requireUserVerification",
//                 "credential": {"id", "publicKey", "counter"}, "trustAnchors": [PEM, ...]}}
// and prints one line per request, in input order: {"id", "verified", "error"?}. Everything a line
// needs must be in the line (there are no flags to supply defaults). A thrown error is a rejection
// carrying its message. Lines are verified one at a time, because the trust anchors go through
// @simplewebauthn/server's process-wide SettingsService.
//
// Node.js 18 compatible (Debian 12's own Node.js): no APIs newer than 18.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import {
  SettingsService,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';

// Every COSE algorithm @simplewebauthn/server 9.0.3 can verify (its own default list), so that an
// algorithm acctsec accepts is never refused here by configuration alone.
const supportedAlgorithmIDs = [-8, -7, -36, -37, -38, -39, -257, -258, -259, -65535];

const mode = process.argv[2];
if (mode === 'version') {
  const manifest = new URL('./node_modules/@simplewebauthn/server/package.json', import.meta.url);
  console.log(JSON.parse(readFileSync(manifest, 'utf8')).version);
  process.exit(0);
}
if (mode !== 'registration' && mode !== 'assertion') {
  process.stderr.write('usage: node verify.mjs registration|assertion < requests.ndjson\n');
  process.exit(2);
}

function fromBase64url(text, what) {
  if (typeof text !== 'string') throw new Error(`${what} is not a base64url string`);
  return new Uint8Array(Buffer.from(text, 'base64url'));
}

function required(expected, key) {
  if (expected[key] === undefined) throw new Error(`expected.${key} is missing`);
  return expected[key];
}

async function verifyLine(request) {
  const expected = request.expected ?? {};
  if (expected.at !== undefined) {
    // @simplewebauthn/server checks certificates against the current time only.
    throw new Error('expected.at is not supported by @simplewebauthn/server');
  }
  const common = {
    response: request.response,
    expectedChallenge: required(expected, 'challenge'),
    expectedOrigin: required(expected, 'origin'),
    expectedRPID: required(expected, 'rpId'),
    // acctsec's default; @simplewebauthn/server's own default is true.
    requireUserVerification: expected.requireUserVerification === true,
  };
  if (mode === 'registration') {
    SettingsService.setRootCertificates({ identifier: 'packed', certificates: expected.trustAnchors ?? [] });
    const result = await verifyRegistrationResponse({ ...common, supportedAlgorithmIDs });
    return result.verified;
  }
  const credential = required(expected, 'credential');
  const result = await verifyAuthenticationResponse({
    ...common,
    authenticator: {
      credentialID: fromBase64url(credential.id, 'expected.credential.id'),
      credentialPublicKey: fromBase64url(credential.publicKey, 'expected.credential.publicKey'),
      counter: credential.counter ?? 0,
    },
  });
  return result.verified;
}

const out = [];
const flush = () => {
  if (out.length) process.stdout.write(out.join(''));
  out.length = 0;
};
let number = 0;
for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  number += 1;
  if (line.trim() === '') continue;
  let request;
  try {
    request = JSON.parse(line);
  } catch {
    out.push(JSON.stringify({ id: null, verified: false, error: `line ${number} is not JSON` }) + '\n');
    continue;
  }
  const verdict = { id: request?.id ?? null, verified: false };
  try {
    verdict.verified = (await verifyLine(request)) === true;
    if (!verdict.verified) verdict.error = 'the signature did not verify';
  } catch (err) {
    verdict.error = err instanceof Error ? err.message : String(err);
  }
  out.push(JSON.stringify(verdict) + '\n');
  if (out.length >= 256) flush();
}
flush();
