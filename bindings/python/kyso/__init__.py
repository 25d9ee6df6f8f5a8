"""kyso — ký số: sign and verify PDF and XML documents, from Python, over kyso's C ABI.

No compiled extension: the shared library is loaded with ctypes from, in order, the path in
the ``KYSO_LIBRARY`` environment variable, a ``libkyso`` next to this module, or the system
loader's ``libkyso``.

    import kyso
    report = kyso.verify("signed.pdf", trust=["root.pem"])
    print(report["indication"], report["signatures"][0]["signer"]["identity"])
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import sys
from pathlib import Path
from typing import Any, Union

__all__ = ["KysoError", "Verifier", "verify", "inspect", "sign_pdf", "sign_xml", "prepare", "finish", "version"]

PASSED, FAILED, INDETERMINATE, NO_SIGNATURE, ERROR = 0, 1, 2, 3, 4


class KysoError(Exception):
    """A call kyso could not carry out (status 4): bad options, unreadable key, I/O."""


def _library_name() -> str:
    if sys.platform == "darwin":
        return "libkyso.dylib"
    if sys.platform == "win32":
        return "kyso.dll"
    return "libkyso.so"


def _load() -> ctypes.CDLL:
    explicit = os.environ.get("KYSO_LIBRARY")
    if explicit:
        return ctypes.CDLL(explicit)
    beside = Path(__file__).resolve().parent / _library_name()
    if beside.exists():
        return ctypes.CDLL(str(beside))
    found = ctypes.util.find_library("kyso")
    if found:
        return ctypes.CDLL(found)
    raise KysoError("libkyso not found: set KYSO_LIBRARY to its path")


_lib = _load()
_u8p = ctypes.POINTER(ctypes.c_uint8)
_lib.kyso_verify.argtypes = [_u8p, ctypes.c_size_t, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
_lib.kyso_inspect.argtypes = _lib.kyso_verify.argtypes
_lib.kyso_prepare.argtypes = _lib.kyso_verify.argtypes
for _f in (_lib.kyso_sign_pdf, _lib.kyso_sign_xml):
    _f.argtypes = [_u8p, ctypes.c_size_t, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_size_t)]
_lib.kyso_finish.argtypes = [ctypes.c_char_p, _u8p, ctypes.c_size_t, _u8p, ctypes.c_size_t,
                             ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_size_t)]
for _f in (_lib.kyso_verify, _lib.kyso_inspect, _lib.kyso_prepare, _lib.kyso_sign_pdf, _lib.kyso_sign_xml,
           _lib.kyso_finish):
    _f.restype = ctypes.c_int
_lib.kyso_verifier_new.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
_lib.kyso_verifier_new.restype = ctypes.c_int
_lib.kyso_verifier_verify.argtypes = [ctypes.c_void_p, _u8p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_void_p)]
_lib.kyso_verifier_verify.restype = ctypes.c_int
_lib.kyso_verifier_free.argtypes = [ctypes.c_void_p]
_lib.kyso_version.restype = ctypes.c_char_p
_lib.kyso_last_error.restype = ctypes.c_char_p
_lib.kyso_free.argtypes = [ctypes.c_void_p]

Input = Union[bytes, bytearray, str, os.PathLike]


def _bytes(data: Input) -> bytes:
    if isinstance(data, (bytes, bytearray)):
        return bytes(data)
    with open(data, "rb") as f:
        return f.read()


def _buffer(data: bytes):
    return ctypes.cast(ctypes.c_char_p(data), _u8p), len(data)


def _options(options: dict[str, Any]) -> bytes:
    return json.dumps({k: v for k, v in options.items() if v is not None}).encode("utf-8")


def _error(status: int) -> KysoError:
    return KysoError((_lib.kyso_last_error() or b"").decode("utf-8", "replace") or f"status {status}")


def _take_string(ptr: ctypes.c_void_p) -> str:
    try:
        return ctypes.cast(ptr, ctypes.c_char_p).value.decode("utf-8")
    finally:
        _lib.kyso_free(ptr)


def _take_bytes(ptr: ctypes.c_void_p, size: ctypes.c_size_t) -> bytes:
    try:
        return ctypes.string_at(ptr, size.value)
    finally:
        _lib.kyso_free(ptr)


def _report(status: int, out: ctypes.c_void_p) -> dict:
    if status == ERROR or not out.value:
        raise _error(status)
    report = json.loads(_take_string(out))
    report["status"] = status
    return report


def _report_call(fn, data: Input, options: dict[str, Any]) -> dict:
    buf, n = _buffer(_bytes(data))
    out = ctypes.c_void_p()
    return _report(fn(buf, n, _options(options), ctypes.byref(out)), out)


class Verifier:
    """Verify options read once (trust anchors, intermediates, CRLs, OCSP, policy) for many
    documents — what a portal backend wants. Same options as :func:`verify`; usable from
    several threads at once.

        verifier = kyso.Verifier(trust=["root.pem"], certificates=["ca.pem"])
        for path in uploads:
            report = verifier.verify(path)
    """

    def __init__(self, **options: Any):
        handle = ctypes.c_void_p()
        status = _lib.kyso_verifier_new(_options(options), ctypes.byref(handle))
        if status != PASSED or not handle.value:
            raise _error(status)
        self._handle = handle

    def verify(self, document: Input) -> dict:
        """Verifies a PDF or XML document (path or bytes); returns the report as :func:`verify`."""
        if self._handle is None:
            raise KysoError("verifier is closed")
        buf, n = _buffer(_bytes(document))
        out = ctypes.c_void_p()
        return _report(_lib.kyso_verifier_verify(self._handle, buf, n, ctypes.byref(out)), out)

    def close(self) -> None:
        """Releases the verifier (also done when it is garbage-collected)."""
        handle, self._handle = getattr(self, "_handle", None), None
        if handle is not None:
            _lib.kyso_verifier_free(handle)

    def __enter__(self) -> "Verifier":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()


def verify(document: Input, **options: Any) -> dict:
    """Verifies a PDF or XML document (path or bytes). Options are the CLI's long names:
    ``trust=[...]``, ``certificates``, ``crl``, ``ocsp``, ``at`` (RFC 3339), ``revocation``
    (``require|soft|off``), ``online``. Each ``trust``/``certificates``/``crl``/``ocsp`` entry
    is a path, PEM text or ``"base64:"`` DER; every PEM block of it is used, and a block that
    does not parse or does not belong (a private key among trust anchors) raises
    :class:`KysoError` naming the file and block. Returns the JSON report as a dict, with
    ``status`` (0 passed, 1 failed, 2 indeterminate, 3 no signature)."""
    return _report_call(_lib.kyso_verify, document, options)


def inspect(data: Input, **options: Any) -> dict:
    """Summarises a certificate, PEM bundle or PKCS#12 (``password=``, ``trust=``, ``at=``)."""
    return _report_call(_lib.kyso_inspect, data, options)


def _sign_call(fn, document: Input, options: dict[str, Any]) -> bytes:
    raw = _bytes(document)
    buf, n = _buffer(raw)
    out = ctypes.c_void_p()
    size = ctypes.c_size_t()
    status = fn(buf, n, _options(options), ctypes.byref(out), ctypes.byref(size))
    if status != PASSED or not out.value:
        raise _error(status)
    return _take_bytes(out, size)


def sign_pdf(document: Input, **options: Any) -> bytes:
    """Signs a PDF. ``key={"p12_path": ..., "password": ...}`` (or ``p12_base64``, or
    ``key_pem`` + ``chain_pem``), plus ``reason``, ``location``, ``field``, ``page``,
    ``certify``, ``level``, ``tsa``, ``pkcs7``, ``digest``, ``pss``, ``signing_time``; for
    B-LT and B-LTA ``crl`` and ``ocsp`` (entries as for :func:`verify`: every block of each is
    embedded) and ``online``."""
    return _sign_call(_lib.kyso_sign_pdf, document, options)


def sign_xml(document: Input, **options: Any) -> bytes:
    """Signs an XML document (``profile``: dsig, einvoice or xades; ``reference``; ``parent``)."""
    return _sign_call(_lib.kyso_sign_xml, document, options)


def prepare(document: Input, **options: Any) -> dict:
    """First half of a remote signature: returns ``{"digest": hex, "algorithm": ..., ...}``.
    Sign the digest elsewhere, then call :func:`finish` with the whole dict."""
    return _report_call(_lib.kyso_prepare, document, options)


def finish(prepared: dict, document: Input, signature: bytes) -> bytes:
    """Embeds a raw signature over ``prepared["digest"]`` and returns the signed document."""
    state = {k: v for k, v in prepared.items() if k != "status"}
    raw = _bytes(document)
    buf, n = _buffer(raw)
    sig, sn = _buffer(bytes(signature))
    out = ctypes.c_void_p()
    size = ctypes.c_size_t()
    status = _lib.kyso_finish(json.dumps(state).encode("utf-8"), buf, n, sig, sn, ctypes.byref(out), ctypes.byref(size))
    if status != PASSED or not out.value:
        raise _error(status)
    return _take_bytes(out, size)


def version() -> str:
    """kyso's version."""
    return _lib.kyso_version().decode("ascii")
