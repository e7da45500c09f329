#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/) from the canned vectors
in tests/data/webauthn and tests/data/mds, and signed MDS BLOB seeds from a throwaway signing
chain made with the openssl command (its root, tests/fuzz/mds_fuzz_root.pem, is the one root
fuzz_mds_blob trusts; the private keys are not kept).

The seeds are committed; run this again only when the vectors change:
    python3 tests/fuzz/make_seeds.py
Standard library and the openssl command only.
"""
import base64
import binascii
import json
import pathlib
import shutil
import subprocess
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE.parent / "data" / "webauthn"
CORPUS = HERE / "corpus"


def decode(text, encoding=None):
    """Binary from a vector field: hex, base64url or standard base64, padded or not."""
    if encoding == "hex":
        return binascii.unhexlify(text)
    text = text.strip()
    padded = text + "=" * (-len(text) % 4)
    if "-" in text or "_" in text:
        return base64.urlsafe_b64decode(padded)
    return base64.b64decode(padded)


def cbor_item_end(data, pos):
    """Offset just past the CBOR data item that starts at `pos` (definite lengths only)."""
    initial = data[pos]
    major, info = initial >> 5, initial & 0x1F
    pos += 1
    if info < 24:
        arg = info
    elif info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        arg = int.from_bytes(data[pos:pos + size], "big")
        pos += size
    else:
        raise ValueError("indefinite lengths are not used by the vectors")
    if major in (0, 1, 7):
        return pos
    if major in (2, 3):
        return pos + arg
    if major == 4:
        for _ in range(arg):
            pos = cbor_item_end(data, pos)
        return pos
    if major == 5:
        for _ in range(2 * arg):
            pos = cbor_item_end(data, pos)
        return pos
    if major == 6:
        return cbor_item_end(data, pos)
    raise ValueError("bad CBOR")


def cbor_bytes_value(data, pos):
    """The content of the byte string at `pos`."""
    end = cbor_item_end(data, pos)
    header = 1 + ({24: 1, 25: 2, 26: 4, 27: 8}.get(data[pos] & 0x1F, 0))
    return data[pos + header:end]


def auth_data_of(attestation_object):
    """The authData byte string of an attestation object (a map with text keys)."""
    pos = 1  # the vectors' objects are maps of three entries: one header byte
    while pos < len(attestation_object):
        key_end = cbor_item_end(attestation_object, pos)
        key = attestation_object[pos + 1:key_end]
        if key == b"authData":
            return cbor_bytes_value(attestation_object, key_end)
        pos = cbor_item_end(attestation_object, key_end)
    raise ValueError("no authData")


def cose_key_of(auth_data):
    """The credential public key in authenticator data with attested credential data."""
    if not auth_data[32] & 0x40:
        return None
    id_length = int.from_bytes(auth_data[53:55], "big")
    start = 55 + id_length
    return auth_data[start:cbor_item_end(auth_data, start)]


def vectors():
    """(name, attestationObject, clientDataJSON, [assertion authenticatorData]) per vector file."""
    out = []
    for path in sorted(DATA.glob("*.json")) + sorted((DATA / "registration").glob("*.json")):
        doc = json.loads(path.read_text())
        encoding = doc.get("encoding")
        name = path.stem
        if "registration" in doc and isinstance(doc["registration"], dict):  # Yubico's real examples
            reg, assertion = doc["registration"], doc["assertion"]
            out.append((name, decode(reg["attestationObject"]), reg["clientDataJSON"].encode(),
                        [decode(assertion["authenticatorData"])], [assertion["clientDataJSON"].encode()]))
        elif "registrationResponse" in doc:
            response = doc["registrationResponse"]["response"]
            out.append((name, decode(response["attestationObject"]), decode(response["clientDataJSON"]), [], []))
        elif "attestationObject" in doc:
            out.append((name, decode(doc["attestationObject"], encoding),
                        decode(doc["clientDataJSON"], encoding), [], []))
        elif "authenticatorDataCbor" in doc:  # libfido2: authenticator data wrapped in a CBOR byte string
            raw = binascii.unhexlify(doc["authenticatorDataCbor"])
            out.append((name, None, None, [cbor_bytes_value(raw, 0)], []))
    return out


def write(target, name, data):
    """Adds a seed unless the target already has one with the same bytes."""
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    if any(seed.read_bytes() == data for seed in directory.iterdir()):
        return
    (directory / name).write_bytes(data)


def webauthn_seeds():
    for name, attestation_object, client_data, assertion_auth_data, assertion_client_data in vectors():
        if attestation_object:
            write("attestation_object", name, attestation_object)
            auth_data = auth_data_of(attestation_object)
            write("authenticator_data", name, auth_data)
            cose_key = cose_key_of(auth_data)
            if cose_key:
                write("cose_key", name, cose_key)
        if client_data:
            write("client_data", name, client_data)
        for i, auth_data in enumerate(assertion_auth_data):
            write("authenticator_data", f"{name}_assertion{i or ''}", auth_data)
        for i, data in enumerate(assertion_client_data):
            write("client_data", f"{name}_assertion{i or ''}", data)


MDS_PAYLOAD_MINIMAL = {"no": 1, "nextUpdate": "2026-12-01", "entries": []}


def mds_payload_full(root_der):
    return {
        "legalHeader": "Fuzz seed, not a real metadata BLOB.",
        "no": 77,
        "nextUpdate": "2026-12-01",
        "entries": [
            {
                "aaguid": "cb69481e-8ff7-4039-93ec-0a2729a154a8",
                "metadataStatement": {
                    "description": "Example FIDO2 key",
                    "aaguid": "cb69481e-8ff7-4039-93ec-0a2729a154a8",
                    "attestationRootCertificates": [base64.b64encode(root_der).decode()],
                },
                "statusReports": [
                    {"status": "FIDO_CERTIFIED_L1", "effectiveDate": "2021-01-01", "certificateNumber": "FIDO20020"},
                    {"status": "FIDO_CERTIFIED_L2", "effectiveDate": "2022-05-01"},
                ],
                "timeOfLastStatusChange": "2022-05-01",
            },
            {"aaid": "4e4e#4005", "statusReports": [{"status": "REVOKED"}]},
            {"attestationCertificateKeyIdentifiers": ["bf7bcaa0d0c6187a8c6abbdd16a15640e7c7bde2"],
             "statusReports": [{"status": "NOT_FIDO_CERTIFIED"}]},
        ],
    }


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def der_ecdsa_to_raw(der, size):
    """ASN.1 Ecdsa-Sig-Value (SEQUENCE of two INTEGERs) to r||s, as JWS ES256 carries it."""
    assert der[0] == 0x30
    pos = 2 if der[1] < 0x80 else 2 + (der[1] & 0x7F)
    values = []
    for _ in range(2):
        assert der[pos] == 0x02
        length = der[pos + 1]
        values.append(int.from_bytes(der[pos + 2:pos + 2 + length], "big").to_bytes(size, "big"))
        pos += 2 + length
    return values[0] + values[1]


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def mds_seeds():
    with tempfile.TemporaryDirectory() as tmp:
        t = pathlib.Path(tmp)
        (t / "root.ext").write_text("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
                                    "subjectKeyIdentifier=hash\n")
        (t / "leaf.ext").write_text("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                                    "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n")
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "root.key", cwd=t)
        openssl("req", "-new", "-x509", "-key", "root.key", "-subj", "/CN=acctsec fuzz MDS root", "-days", "36500",
                "-extensions", "v3_ca", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", "root.pem", cwd=t)
        signers = {"ES256": ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "leaf.key"],
                   "RS256": ["genrsa", "-out", "leaf.key", "2048"]}
        openssl("x509", "-in", "root.pem", "-outform", "DER", "-out", "root.der", cwd=t)
        root_der = (t / "root.der").read_bytes()
        shutil.copy(t / "root.pem", HERE / "mds_fuzz_root.pem")

        payloads = {"minimal": json.dumps(MDS_PAYLOAD_MINIMAL).encode(),
                    "full": json.dumps(mds_payload_full(root_der), indent=1).encode()}
        for name, payload in payloads.items():
            write("mds_payload", name, payload)
        for path in sorted((DATA.parent / "mds").glob("*.json")):  # published entries, payload form
            write("mds_payload", path.stem, path.read_bytes())

        for alg, keygen in signers.items():
            openssl(*keygen, cwd=t)
            openssl("req", "-new", "-key", "leaf.key", "-subj", f"/CN=acctsec fuzz MDS signer {alg}", "-out", "leaf.csr",
                    cwd=t)
            openssl("x509", "-req", "-in", "leaf.csr", "-CA", "root.pem", "-CAkey", "root.key", "-CAcreateserial",
                    "-days", "36000", "-extfile", "leaf.ext", "-outform", "DER", "-out", "leaf.der", cwd=t)
            leaf_der = (t / "leaf.der").read_bytes()
            header = json.dumps({"alg": alg, "typ": "JWT", "x5c": [base64.b64encode(leaf_der).decode()]}).encode()
            payload = payloads["full"] if alg == "ES256" else payloads["minimal"]
            signing_input = f"{b64url(header)}.{b64url(payload)}".encode()
            (t / "input").write_bytes(signing_input)
            openssl("dgst", "-sha256", "-sign", "leaf.key", "-out", "sig", "input", cwd=t)
            signature = (t / "sig").read_bytes()
            if alg == "ES256":
                signature = der_ecdsa_to_raw(signature, 32)
            write("mds_blob", alg.lower(), signing_input + b"." + b64url(signature).encode())


def main():
    for target in ("attestation_object", "authenticator_data", "cose_key", "client_data", "mds_payload", "mds_blob"):
        shutil.rmtree(CORPUS / target, ignore_errors=True)
    webauthn_seeds()
    mds_seeds()
    for directory in sorted(CORPUS.iterdir()):
        files = list(directory.iterdir())
        print(f"{directory.name}: {len(files)} seeds, {sum(f.stat().st_size for f in files)} bytes")


if __name__ == "__main__":
    main()
