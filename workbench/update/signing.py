"""Who made an update pack: Ed25519 signatures over the pack's manifest, checked against keys the analyst's
organisation holds.

The manifest lists every member's size and SHA-256, so signing its exact bytes signs the whole pack. The
organisation makes a key pair once (``workbench update-pack keygen``), keeps the private key off the laptops,
and signs each pack it builds (``update-pack build --sign-key`` or ``update-pack sign``). Each laptop is told
the public key once (``update-pack trust KEY.pub``, kept in ``<data>/trusted-keys/``); from then on import
accepts only packs signed by a trusted key. A pack whose hashes were recomputed after an edit carries no valid
signature and is refused, whatever its manifest says.

Public key file: one line ``workbench-pack-key ed25519 <base64 of the 32-byte key> <comment>``.
Signature member ``manifest.sig`` (JSON): ``{"algorithm": "ed25519", "key_id": ..., "signature": <base64>}``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import WorkbenchError
from ..evidence.outputs import atomic_open

SIGNATURE = "manifest.sig"
KEY_PREFIX = "workbench-pack-key ed25519 "
TRUST_DIR = "trusted-keys"


class SigningError(WorkbenchError):
    """A key or a signature that cannot be made, read or trusted."""


# An Ed25519 private key as OpenSSL writes it (`openssl genpkey -algorithm ed25519`): PKCS#8 DER (RFC 8410) is this
# fixed 16-byte prefix and the 32-byte seed, in a PEM "PRIVATE KEY" block.
_PKCS8_ED25519 = bytes.fromhex("302e020100300506032b657004220420")
_PEM = re.compile(rb"-----BEGIN PRIVATE KEY-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END PRIVATE KEY-----")


def _nacl():
    """PyNaCl (libsodium): Ed25519 signing and verification."""
    try:
        from nacl.exceptions import BadSignatureError
        from nacl.signing import SigningKey, VerifyKey
    except ImportError:  # pragma: no cover  (a dependency of the workbench)
        raise SigningError("the 'PyNaCl' package is missing: update packs cannot be signed or verified")
    return BadSignatureError, SigningKey, VerifyKey


def _pem(seed: bytes) -> bytes:
    body = base64.encodebytes(_PKCS8_ED25519 + seed).decode().strip()
    return f"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n".encode()


def key_id(raw_public: bytes) -> str:
    """A short, stable name of a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(raw_public).hexdigest()[:16]


@dataclass(frozen=True)
class PublicKey:
    raw: bytes
    comment: str = ""

    @property
    def id(self) -> str:
        return key_id(self.raw)

    def line(self) -> str:
        return KEY_PREFIX + base64.b64encode(self.raw).decode() + (f" {self.comment}" if self.comment else "")


def read_public_key(path: Path) -> PublicKey:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise SigningError(f"cannot read the public key: {getattr(exc, 'strerror', None) or 'not text'}", path) from None
    if not text.startswith(KEY_PREFIX):
        raise SigningError(f"not a workbench pack key (a line starting {KEY_PREFIX.strip()!r} is expected)", path)
    parts = text[len(KEY_PREFIX):].split(" ", 1)
    try:
        raw = base64.b64decode(parts[0], validate=True)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise SigningError("the key is not a 32-byte Ed25519 public key", path)
    return PublicKey(raw, parts[1].strip() if len(parts) > 1 else "")


def keygen(private_out: Path, comment: str = "") -> PublicKey:
    """A new key pair: the private key (PKCS#8 PEM, owner-only) at ``private_out``, the public key beside it
    as ``<private_out>.pub``. Refuses to overwrite a key."""
    _, SigningKey, _ = _nacl()
    public_out = private_out.with_name(private_out.name + ".pub")
    for path in (private_out, public_out):
        if path.exists():
            raise SigningError("refusing to overwrite an existing key", path)
    if comment and not re.fullmatch(r"[\w .@:+-]{1,80}", comment):
        raise SigningError("a key comment is at most 80 letters, digits, spaces and . @ : + - _")
    key = SigningKey.generate()
    pem = _pem(bytes(key))
    raw = key.verify_key.encode()
    private_out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(private_out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    public = PublicKey(raw, comment)
    public_out.write_text(public.line() + "\n", encoding="utf-8")
    return public


def _private_key(path: Path):
    _, SigningKey, _ = _nacl()
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise SigningError(f"cannot read the private key: {exc.strerror}", path) from None
    match = _PEM.search(text)
    if not match:
        raise SigningError("not an unencrypted PEM private key", path)
    try:
        der = base64.b64decode(b"".join(match.group(1).split()), validate=True)
    except ValueError:
        raise SigningError("not an unencrypted PEM private key", path) from None
    if len(der) != len(_PKCS8_ED25519) + 32 or not der.startswith(_PKCS8_ED25519):
        raise SigningError("not an Ed25519 private key", path)
    return SigningKey(der[len(_PKCS8_ED25519):])


def signature_for(manifest_bytes: bytes, private_key: Path) -> bytes:
    """The ``manifest.sig`` member for these exact manifest bytes."""
    key = _private_key(private_key)
    raw = key.verify_key.encode()
    doc = {"algorithm": "ed25519", "key_id": key_id(raw),
           "signature": base64.b64encode(key.sign(manifest_bytes).signature).decode()}
    return json.dumps(doc, indent=2).encode()


def sign_pack(pack: Path, private_key: Path, manifest_name: str = "manifest.json") -> str:
    """Add (or replace) the signature of an existing pack, atomically; the signing key's id."""
    try:
        with zipfile.ZipFile(pack) as zf:
            manifest = zf.read(manifest_name)
            members = [(i, zf.read(i)) for i in zf.infolist() if i.filename != SIGNATURE]
    except KeyError:
        raise SigningError(f"no {manifest_name}: not an update pack", pack) from None
    except (OSError, zipfile.BadZipFile):
        raise SigningError("cannot read the pack", pack) from None
    sig = signature_for(manifest, private_key)
    with atomic_open(pack) as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in members:
            out.writestr(info, data)
        out.writestr(SIGNATURE, sig)
    return json.loads(sig)["key_id"]


# ---- the laptop's trusted keys --------------------------------------------------------------------------
def trusted_keys(root: Path) -> dict[str, PublicKey]:
    """The keys this laptop accepts pack signatures from, by id (``<data>/trusted-keys/*.pub``)."""
    folder = root / TRUST_DIR
    keys = {}
    for path in sorted(folder.glob("*.pub")) if folder.is_dir() else ():
        try:
            key = read_public_key(path)
        except SigningError:
            continue  # an unreadable key file trusts nothing
        keys[key.id] = key
    return keys


def trust(public_key: Path, root: Path) -> PublicKey:
    """Configure ``public_key`` as a key this laptop accepts packs from (done once, by the analyst)."""
    key = read_public_key(public_key)
    folder = root / TRUST_DIR
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{key.id}.pub").write_text(key.line() + "\n", encoding="utf-8")
    return key


@dataclass(frozen=True)
class Verdict:
    signed: bool
    key_id: str | None = None
    comment: str = ""

    def words(self) -> str:
        if not self.signed:
            return "unsigned (imported with --allow-unsigned)"
        return f"signed by trusted key {self.key_id}" + (f" ({self.comment})" if self.comment else "")


def verify(manifest_bytes: bytes, signature: bytes | None, root: Path, allow_unsigned: bool = False) -> Verdict:
    """Whether the pack may be imported: a valid signature by a trusted key, or no signature when
    ``allow_unsigned``. Raises :class:`SigningError` with the reason otherwise."""
    BadSignatureError, _, VerifyKey = _nacl()
    keys = trusted_keys(root)
    if signature is None:
        if allow_unsigned:
            return Verdict(False)
        hint = ("" if keys else "; no pack key is trusted on this laptop yet: "
                "run 'workbench update-pack trust KEY.pub' once with your organisation's public key")
        raise SigningError(f"the pack is not signed{hint}")
    try:
        doc = json.loads(signature)
        kid, sig = str(doc["key_id"]), base64.b64decode(doc["signature"], validate=True)
        if doc.get("algorithm") != "ed25519":
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise SigningError(f"{SIGNATURE}: not a workbench pack signature") from None
    key = keys.get(kid)
    if key is None:
        raise SigningError(f"signed by key {kid}, which this laptop does not trust"
                           + ("" if keys else " (no pack key is trusted yet: 'workbench update-pack trust KEY.pub')"))
    try:
        VerifyKey(key.raw).verify(manifest_bytes, sig)
    except (BadSignatureError, ValueError):  # ValueError: a signature that is not 64 bytes
        raise SigningError(f"the signature by key {kid} does not match the manifest (altered after signing)") from None
    return Verdict(True, kid, key.comment)
