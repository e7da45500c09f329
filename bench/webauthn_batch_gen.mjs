// Input generator for bench/webauthn_batch.sh: a software authenticator that makes genuine,
// distinct WebAuthn responses in their toJSON() shape, as `webauthn verify-registration |
// verify-assertion --batch` lines (see lib/webauthn/verification_request.hpp).
//
//   registrations.ndjson  COUNT packed registrations with x5c, each a fresh ES256 credential with
//                         its own challenge, attested by one attestation certificate (as a batch of
//                         keys of one model shares one) that chains to the line's trust anchor.
//   assertions.ndjson     COUNT ES256 assertions: CREDENTIALS credentials, COUNT / CREDENTIALS
//                         assertions each, every one with its own challenge and a counter one above
//                         the stored counter the line carries, so each line verifies on its own.
//
// Why not the virtual key: through the CLI each enrollment is a process plus key operations, about
// 80 ms, so 10,000 registrations and 10,000 assertions would take half an hour to make; this
// makes both in under a minute.
//
// The attestation CA and certificate (FIDO's packed profile: v3, C/O/OU "Authenticator
// Attestation"/CN, CA:FALSE, the AAGUID extension) come from the openssl command line; keys and
// signatures from node:crypto. Only Node.js built-ins are used (Node 18 or later).
// Usage: node bench/webauthn_batch_gen.mjs OUTDIR [COUNT] [CREDENTIALS]
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [outDir, countText = '10000', credentialsText = '100'] = process.argv.slice(2);
if (!outDir) {
  process.stderr.write('usage: node bench/webauthn_batch_gen.mjs OUTDIR [COUNT] [CREDENTIALS]\n');
  process.exit(2);
}
const count = Number(countText);
const credentials = Number(credentialsText);
const rpId = 'example.com';
const origin = 'https://example.com';
const aaguid = Buffer.from('5b1e4a5c2f9d4c7e8a3b6d0f1e2c3b4a', 'hex');
mkdirSync(outDir, { recursive: true });

// --- the attestation CA and certificate, with openssl -------------------------------------------
const openssl = (...args) => execFileSync('openssl', args, { cwd: outDir, stdio: ['ignore', 'pipe', 'pipe'] });
writeFileSync(
  join(outDir, 'attestation.cnf'),
  [
    '[req]',
    'distinguished_name = dn',
    '[dn]',
    '[ca]',
    'basicConstraints = critical, CA:TRUE',
    'keyUsage = critical, keyCertSign, cRLSign',
    'subjectKeyIdentifier = hash',
    '[leaf]',
    'basicConstraints = critical, CA:FALSE',
    'authorityKeyIdentifier = keyid:always',
    `1.3.6.1.4.1.45724.1.1.4 = DER:04:10:${[...aaguid].map((b) => b.toString(16).padStart(2, '0')).join(':')}`,
    '',
  ].join('\n'),
);
openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key');
openssl('req', '-new', '-x509', '-key', 'ca.key', '-days', '3650', '-subj',
  '/C=US/O=acctsec bench/OU=Authenticator Attestation CA/CN=acctsec bench attestation root',
  '-config', 'attestation.cnf', '-extensions', 'ca', '-out', 'ca.pem');
openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'attestation.key');
openssl('req', '-new', '-key', 'attestation.key', '-config', 'attestation.cnf', '-subj',
  '/C=US/O=acctsec bench/OU=Authenticator Attestation/CN=acctsec bench attestation', '-out', 'attestation.csr');
openssl('x509', '-req', '-in', 'attestation.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '2',
  '-days', '3650', '-extfile', 'attestation.cnf', '-extensions', 'leaf', '-out', 'attestation.pem');
const caPem = readFileSync(join(outDir, 'ca.pem'), 'utf8');
const attestationKey = createPrivateKey(readFileSync(join(outDir, 'attestation.key')));
const attestationDer = openssl('x509', '-in', 'attestation.pem', '-outform', 'DER');

// --- CBOR, just what attestation objects and COSE keys need ------------------------------------
function head(major, length) {
  if (length < 24) return Buffer.from([(major << 5) | length]);
  if (length < 0x100) return Buffer.from([(major << 5) | 24, length]);
  if (length < 0x10000) return Buffer.from([(major << 5) | 25, length >> 8, length & 0xff]);
  const out = Buffer.alloc(5);
  out[0] = (major << 5) | 26;
  out.writeUInt32BE(length, 1);
  return out;
}
function cbor(value) {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') return Buffer.concat([head(3, Buffer.byteLength(value)), Buffer.from(value)]);
  if (Buffer.isBuffer(value)) return Buffer.concat([head(2, value.length), value]);
  if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map(cbor)]);
  // A map given as [key, value] pairs, already in canonical order.
  return Buffer.concat([head(5, value.pairs.length), ...value.pairs.flatMap(([k, v]) => [cbor(k), cbor(v)])]);
}
const map = (...pairs) => ({ pairs });

// --- the authenticator ---------------------------------------------------------------------------
const b64u = (bytes) => Buffer.from(bytes).toString('base64url');
const sha256 = (bytes) => createHash('sha256').update(bytes).digest();
const rpIdHash = sha256(rpId);
const u32 = (n) => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(n);
  return out;
};

function newCredential() {
  // Encoded by the key generation itself: Node.js 20.20 can deadlock in KeyObject exports (such as
  // export({format: 'jwk'})) when a garbage collection runs during one, so no KeyObject is exported.
  const { privateKey, publicKey: spki } = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
  });
  const point = spki.subarray(spki.length - 65); // 0x04 || x || y ends the SubjectPublicKeyInfo
  if (point[0] !== 0x04) throw new Error('unexpected P-256 SubjectPublicKeyInfo');
  return {
    id: randomBytes(32),
    privateKey: { key: privateKey, format: 'der', type: 'pkcs8' },
    spki,
    cose: cbor(map([1, 2], [3, -7], [-1, 1], [-2, Buffer.from(point.subarray(1, 33))], [-3, Buffer.from(point.subarray(33))])),
    userHandle: randomBytes(16),
  };
}

function clientData(type) {
  const challenge = b64u(randomBytes(32));
  return { challenge, json: Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false })) };
}

function registrationLine(n) {
  const credential = newCredential();
  const client = clientData('webauthn.create');
  const idLength = Buffer.from([0, credential.id.length]);
  const authData = Buffer.concat([rpIdHash, Buffer.from([0x41]), u32(0), aaguid, idLength, credential.id, credential.cose]);
  const sig = sign('sha256', Buffer.concat([authData, sha256(client.json)]), attestationKey);
  const attStmt = map(['alg', -7], ['sig', sig], ['x5c', [attestationDer]]);
  const attestationObject = cbor(map(['fmt', 'packed'], ['attStmt', attStmt], ['authData', authData]));
  return {
    id: `reg-${n}`,
    response: {
      id: b64u(credential.id),
      rawId: b64u(credential.id),
      type: 'public-key',
      authenticatorAttachment: 'cross-platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64u(client.json),
        attestationObject: b64u(attestationObject),
        authenticatorData: b64u(authData),
        transports: ['usb'],
        publicKey: b64u(credential.spki),
        publicKeyAlgorithm: -7,
      },
    },
    expected: { challenge: client.challenge, origin, rpId, requireUserVerification: false, trustAnchors: [caPem] },
  };
}

function assertionLine(n, credential, counter) {
  const client = clientData('webauthn.get');
  const authData = Buffer.concat([rpIdHash, Buffer.from([0x01]), u32(counter)]);
  const signature = sign('sha256', Buffer.concat([authData, sha256(client.json)]), credential.privateKey);
  return {
    id: `assert-${n}`,
    response: {
      id: b64u(credential.id),
      rawId: b64u(credential.id),
      type: 'public-key',
      authenticatorAttachment: 'cross-platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64u(client.json),
        authenticatorData: b64u(authData),
        signature: b64u(signature),
        userHandle: b64u(credential.userHandle),
      },
    },
    expected: {
      challenge: client.challenge,
      origin,
      rpId,
      requireUserVerification: false,
      credential: { id: b64u(credential.id), publicKey: b64u(credential.cose), counter: counter - 1 },
    },
  };
}

const registrations = [];
for (let n = 0; n < count; n += 1) registrations.push(JSON.stringify(registrationLine(n)));
writeFileSync(join(outDir, 'registrations.ndjson'), registrations.join('\n') + '\n');

const assertions = [];
const pool = Array.from({ length: credentials }, newCredential);
for (let n = 0; n < count; n += 1) {
  // Round-robin over the credentials; each one's counter rises by one per assertion.
  const credential = pool[n % credentials];
  assertions.push(JSON.stringify(assertionLine(n, credential, 1 + Math.floor(n / credentials))));
}
writeFileSync(join(outDir, 'assertions.ndjson'), assertions.join('\n') + '\n');
