"""kyso — ký số: sign and verify PDF and XML documents, from Python, over kyso's C ABI.

``pip install ./bindings/python`` builds libkyso and installs it inside this package, which
loads it with ctypes (no compiled extension of its own). ``KYSO_LIBRARY`` may name another
build of the library, for development.

Keyword arguments are kyso's settings, named as the command line's long options
(``--no-pinned-roots`` is ``no_pinned_roots=True``): they are passed through as the JSON the
C ABI reads, so Python, C and the ``kyso`` command line give the same answers, and an unknown
keyword raises :class:`KysoError` naming it.

    import kyso
    report = kyso.verify("signed.pdf", trust=["root.pem"])
    print(report["indication"], report["signatures"][0]["signer"]["identity"])
"""

from __future__ import annotations

import ctypes
import importlib.machinery
import json
import os
import sys
import threading
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Union

__all__ = [
    "KysoError", "Verifier", "verify", "verify_many", "inspect", "render", "sign_pdf", "sign_xml",
    "extend_pdf", "prepare", "finish", "version",
    "PASSED", "FAILED", "INDETERMINATE", "NO_SIGNATURE", "ERROR",
]

#: Statuses: the command line's exit codes.
PASSED, FAILED, INDETERMINATE, NO_SIGNATURE, ERROR = 0, 1, 2, 3, 4

#: A document or key given as bytes or as a path.
Input = Union[bytes, bytearray, str, "os.PathLike[str]"]
#: A JSON report as a dict.
Report = Dict[str, Any]
#: ``progress(done, total)`` of :func:`verify_many`.
Progress = Callable[[int, int], None]


class KysoError(Exception):
    """A call kyso could not carry out (status 4): bad options, unreadable key, I/O."""


def _library_paths() -> List[Path]:
    """Where the library may be: as built into this package, then a plain ``libkyso``."""
    here = Path(__file__).resolve().parent
    built = [here / f"_libkyso{suffix}" for suffix in importlib.machinery.EXTENSION_SUFFIXES]
    plain = {"darwin": "libkyso.dylib", "win32": "kyso.dll"}.get(sys.platform, "libkyso.so")
    return built + [here / plain]


def _load() -> ctypes.CDLL:
    explicit = os.environ.get("KYSO_LIBRARY")
    if explicit:
        return ctypes.CDLL(explicit)
    for path in _library_paths():
        if path.exists():
            return ctypes.CDLL(str(path))
    raise KysoError("libkyso is not inside the kyso package: install it with pip install ./bindings/python")


_lib = _load()
_u8p = ctypes.POINTER(ctypes.c_uint8)
_out = ctypes.POINTER(ctypes.c_void_p)
_size = ctypes.POINTER(ctypes.c_size_t)
_PROGRESS = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t)


def _declare(name: str, restype: Any, *argtypes: Any) -> None:
    function = getattr(_lib, name)
    function.restype = restype
    function.argtypes = list(argtypes)


for _name in ("kyso_verify", "kyso_inspect", "kyso_prepare"):
    _declare(_name, ctypes.c_int, _u8p, ctypes.c_size_t, ctypes.c_char_p, _out)
for _name in ("kyso_sign_pdf", "kyso_sign_xml", "kyso_extend_pdf"):
    _declare(_name, ctypes.c_int, _u8p, ctypes.c_size_t, ctypes.c_char_p, _out, _size)
_declare("kyso_finish", ctypes.c_int, ctypes.c_char_p, _u8p, ctypes.c_size_t, _u8p, ctypes.c_size_t, _out, _size)
_declare("kyso_verifier_new", ctypes.c_int, ctypes.c_char_p, _out)
_declare("kyso_verifier_verify", ctypes.c_int, ctypes.c_void_p, _u8p, ctypes.c_size_t, _out)
_declare("kyso_verifier_free", None, ctypes.c_void_p)
_declare("kyso_verify_many", ctypes.c_int, ctypes.POINTER(ctypes.c_char_p), ctypes.c_size_t, ctypes.c_char_p,
         _PROGRESS, ctypes.c_void_p, _out)
_declare("kyso_render", ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p, _out)
_declare("kyso_version", ctypes.c_char_p)
_declare("kyso_last_error", ctypes.c_char_p)
_declare("kyso_free", None, ctypes.c_void_p)


def _bytes(data: Input) -> bytes:
    if isinstance(data, (bytes, bytearray)):
        return bytes(data)
    with open(data, "rb") as f:
        return f.read()


def _buffer(data: bytes) -> Any:
    return ctypes.cast(ctypes.c_char_p(data), _u8p)


def _path_text(value: Any) -> Any:
    return os.fspath(value) if isinstance(value, os.PathLike) else value


def _options(options: Dict[str, Any]) -> bytes:
    """The settings JSON: ``None`` means "not given", paths become text."""
    def clean(value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if v is not None}
        return _path_text(value)
    return json.dumps(clean({k: v for k, v in options.items() if v is not None})).encode("utf-8")


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


def _report(status: int, out: ctypes.c_void_p) -> Report:
    if status == ERROR or not out.value:
        raise _error(status)
    report: Report = json.loads(_take_string(out))
    report["status"] = status
    return report


def _report_call(fn: Any, data: Input, options: Dict[str, Any]) -> Report:
    raw = _bytes(data)
    out = ctypes.c_void_p()
    return _report(fn(_buffer(raw), len(raw), _options(options), ctypes.byref(out)), out)


def _status_of(report: Report) -> int:
    """A batch line's status, as the command line's exit code for that file."""
    codes = {"TOTAL_PASSED": PASSED, "TOTAL_FAILED": FAILED, "INDETERMINATE": INDETERMINATE,
             "NO_SIGNATURE": NO_SIGNATURE}
    return codes.get(report.get("indication", ""), ERROR)


class Verifier:
    """Verify options read once (trust anchors, intermediates, CRLs, OCSP, policy) for many
    documents — what a portal backend wants. Same options as :func:`verify`; usable from
    several threads at once, and :meth:`close` waits for calls in flight, so closing while
    another thread verifies never frees the library's verifier under it.

        verifier = kyso.Verifier(trust=["root.pem"], cert=["ca.pem"])
        for path in uploads:
            report = verifier.verify(path)
    """

    def __init__(self, **options: Any) -> None:
        self._lock = threading.Condition()
        self._in_flight = 0
        self._handle: Optional[int] = None
        handle = ctypes.c_void_p()
        status = _lib.kyso_verifier_new(_options(options), ctypes.byref(handle))
        if status != PASSED or not handle.value:
            raise _error(status)
        self._handle = handle.value

    def verify(self, document: Input) -> Report:
        """Verifies a PDF or XML document (path or bytes); returns the report as :func:`verify`."""
        raw = _bytes(document)
        with self._lock:
            if self._handle is None:
                raise KysoError("verifier is closed")
            handle = self._handle
            self._in_flight += 1
        try:
            out = ctypes.c_void_p()
            status = _lib.kyso_verifier_verify(handle, _buffer(raw), len(raw), ctypes.byref(out))
            return _report(status, out)
        finally:
            with self._lock:
                self._in_flight -= 1
                self._lock.notify_all()

    def close(self) -> None:
        """Releases the verifier once no call is using it (also done when garbage-collected)."""
        lock = getattr(self, "_lock", None)
        if lock is None:
            return
        with lock:
            handle, self._handle = self._handle, None
            lock.wait_for(lambda: self._in_flight == 0)
        if handle is not None:
            _lib.kyso_verifier_free(handle)

    def __enter__(self) -> "Verifier":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()


def verify(document: Input, **options: Any) -> Report:
    """Verifies a PDF or XML document (path or bytes). Options are the command line's:
    ``trust=[...]``, ``no_pinned_roots``, ``cert``, ``crl``, ``ocsp``, ``at`` (RFC 3339),
    ``revocation`` (``require|soft|off``), ``online``, ``strict``, ``lang`` (``en|vi``: the
    language of error messages). Each ``trust``/``cert``/``crl``/``ocsp`` entry is a path,
    PEM text or ``"base64:"`` DER; every PEM block of it is used, and a block that does not
    parse or does not belong (a private key among trust anchors) raises :class:`KysoError`
    naming the file and block. Returns the JSON report as a dict, with ``status`` (0 passed,
    1 failed, 2 indeterminate, 3 no signature)."""
    return _report_call(_lib.kyso_verify, document, options)


def verify_many(paths: Iterable[Union[str, "os.PathLike[str]"]], *, progress: Optional[Progress] = None,
                **options: Any) -> List[Report]:
    """Verifies files and directories (their PDF and XML files, recursively) with
    :func:`verify`'s options, ``jobs=N`` at once; ``progress(done, total)`` hears of each
    finished file. Returns one dict a file, in input order: the report with ``status``, or
    ``{"file", "error", "status": 4}`` for a file that could not be verified."""
    encoded = [os.fsencode(p) for p in paths]
    array = (ctypes.c_char_p * len(encoded))(*encoded)
    failure: List[BaseException] = []

    def forward(_user: Any, done: int, total: int) -> None:
        if progress is not None and not failure:
            try:
                progress(done, total)
            except BaseException as e:  # raised again below, never into the C caller
                failure.append(e)

    callback = _PROGRESS(forward)
    out = ctypes.c_void_p()
    status = _lib.kyso_verify_many(array, len(encoded), _options(options), callback, None, ctypes.byref(out))
    if not out.value:
        raise _error(status)
    lines = _take_string(out).splitlines()
    if failure:
        raise failure[0]
    reports = [json.loads(line) for line in lines if line]
    for report in reports:
        report["status"] = ERROR if "error" in report else _status_of(report)
    return reports


def inspect(data: Input, **options: Any) -> Report:
    """Summarises a certificate, PEM bundle or PKCS#12 (``password=``, ``trust=``, ``at=``,
    ``no_pinned_roots=``, ``lang=``)."""
    return _report_call(_lib.kyso_inspect, data, options)


def render(report: Report, lang: str = "en") -> str:
    """A verification report as text for people, in English (``en``) or Vietnamese (``vi``)."""
    plain = {k: v for k, v in report.items() if k != "status"}
    out = ctypes.c_void_p()
    status = _lib.kyso_render(json.dumps(plain).encode("utf-8"), lang.encode("utf-8"), ctypes.byref(out))
    if status != PASSED or not out.value:
        raise _error(status)
    return _take_string(out)


def _bytes_call(fn: Any, document: Input, options: Dict[str, Any]) -> bytes:
    raw = _bytes(document)
    out = ctypes.c_void_p()
    size = ctypes.c_size_t()
    status = fn(_buffer(raw), len(raw), _options(options), ctypes.byref(out), ctypes.byref(size))
    if status != PASSED or not out.value:
        raise _error(status)
    return _take_bytes(out, size)


def sign_pdf(document: Input, **options: Any) -> bytes:
    """Signs a PDF to ``level`` (``B-B``, ``B-T``, ``B-LT``, ``B-LTA``).
    ``key={"p12_path": ..., "password": ...}`` (or ``p12_base64``, or ``key_pem`` +
    ``chain_pem``), plus ``reason``, ``location``, ``field``, ``page``, ``rect``,
    ``appearance`` with ``image``, ``certify``, ``tsa``, ``pkcs7``, ``digest``, ``pss``,
    ``signing_time``; for B-LT and B-LTA ``crl`` and ``ocsp`` (entries as for :func:`verify`:
    every block of each is embedded) and ``online``."""
    return _bytes_call(_lib.kyso_sign_pdf, document, options)


def sign_xml(document: Input, **options: Any) -> bytes:
    """Signs an XML document (``profile``: dsig, einvoice or xades; ``ref``; ``parent``;
    ``mode``; ``include_chain``; ``tsa`` for XAdES-B-T)."""
    return _bytes_call(_lib.kyso_sign_xml, document, options)


def extend_pdf(document: Input, **options: Any) -> bytes:
    """Raises a signed PDF to ``level`` B-LT or B-LTA (``tsa``, ``crl``, ``ocsp``, ``online``)."""
    return _bytes_call(_lib.kyso_extend_pdf, document, options)


def prepare(document: Input, **options: Any) -> Report:
    """First half of a remote signature: returns ``{"digest": hex, "algorithm": ..., ...}``.
    ``cert`` gives the signer's certificates (PEM text or a path). Sign the digest elsewhere,
    then call :func:`finish` with the whole dict."""
    return _report_call(_lib.kyso_prepare, document, options)


def finish(prepared: Report, document: Input, signature: bytes) -> bytes:
    """Embeds a raw signature over ``prepared["digest"]`` and returns the signed document."""
    state = {k: v for k, v in prepared.items() if k != "status"}
    raw = _bytes(document)
    sig = bytes(signature)
    out = ctypes.c_void_p()
    size = ctypes.c_size_t()
    status = _lib.kyso_finish(json.dumps(state).encode("utf-8"), _buffer(raw), len(raw), _buffer(sig), len(sig),
                              ctypes.byref(out), ctypes.byref(size))
    if status != PASSED or not out.value:
        raise _error(status)
    return _take_bytes(out, size)


def version() -> str:
    """kyso's version."""
    return _lib.kyso_version().decode("ascii")
