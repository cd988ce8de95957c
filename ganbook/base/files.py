"""Files: atomic writes (a file is either the old one or the complete new one, never half)
and the one checksum of the book, SHA256."""
import hashlib
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path, text):
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def save_tensors(state, path):
    """A dict of tensors as safetensors (no code, no pickle), written to a temp file, then
    renamed; each tensor made contiguous, as the format needs."""
    from safetensors.torch import save_file
    with atomic_path(path) as tmp:
        save_file({k: v.detach().cpu().contiguous() for k, v in state.items()}, str(tmp))


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_checked_tensors(path, want, record, fix):
    """The tensors of a safetensors file, read only once its SHA256 is ``want``: the book's one
    checksum convention, the digest kept in the file's JSON ``record`` (named in the refusal,
    with ``fix``, what to do about a damaged or replaced file)."""
    from safetensors.torch import load_file
    digest = sha256(path)
    if digest != want:
        raise ValueError(f"{path}: SHA256 {digest[:16]}... does not match {want[:16]}... recorded in "
                         f"{record}: the file is damaged or was replaced; {fix}")
    return load_file(str(path))
