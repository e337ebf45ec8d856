"""Reading CRFsuite's model file (``crf1d``) as data: labels, attributes and weights.

The learned layer tags with its own numpy code (:mod:`labeling.segmenter.crf`) rather than
through CRFsuite's tagger, whose per-attribute string handling costs more than the whole
rest of tagging; so it needs the weights as arrays. CRFsuite's format (``crf1d_model.c``
and ``cqdb.c`` of CRFsuite 0.12, little-endian): a header with the offsets of a feature
table (a chunk "FEAT", its size and count, then per feature: type, source,
destination, three uint32, and a float64 weight; type 0 is a state
feature, attribute -> label, type 1 a transition, label -> label) and of two constant
databases (CQDB) that name the labels and the attributes; a CQDB's backward array gives,
for each id, the offset of its record (id, size, the name and a NUL byte).

Nothing here runs code from the file: it is parsed with ``struct`` and ``numpy``.
"""

from __future__ import annotations

import struct

import numpy as np

from labeling.segmenter.learned import CompiledModel

_HEADER = struct.Struct("<4sI4sIIIIIIIII")
_CQDB = struct.Struct("<4sIIIII")
_FEATURE = np.dtype([("type", "<u4"), ("src", "<u4"), ("dst", "<u4"), ("weight", "<f8")])


class ModelFormatError(ValueError):
    """The bytes are not a CRFsuite crf1d model this parser reads."""


def _cqdb_names(data: bytes, base: int, count: int) -> list[str]:
    if data[base:base + 4] != b"CQDB":
        raise ModelFormatError(f"no CQDB chunk at offset {base}")
    _, _size, _flag, _order, bwd_size, bwd_offset = _CQDB.unpack_from(data, base)
    if bwd_size < count:
        raise ModelFormatError("a CQDB names fewer entries than the header counts")
    if not count:
        return []
    # Vectorised: each record is (id, size, the name's bytes and a NUL); gather every
    # name with its NUL into one buffer, decode once and split on the NULs (a name, a
    # C string, holds none).
    buf = np.frombuffer(data, dtype=np.uint8)
    at = base + np.frombuffer(data, dtype="<u4", count=count, offset=base + bwd_offset
                              ).astype(np.int64)
    if (at + 8 > len(data)).any():
        raise ModelFormatError("a CQDB record lies past the end of the file")
    size = buf[(at + 4)[:, None] + np.arange(4)].astype(np.int64) @ (256 ** np.arange(4))
    if (size < 1).any() or (at + 8 + size > len(data)).any():
        raise ModelFormatError("a CQDB record lies past the end of the file")
    end = at + 8 + size
    if (at[1:] == end[:-1]).all():
        # CRFsuite writes the records one after the other in id order: drop each record's
        # 8-byte head from that stretch and the names with their NULs remain.
        keep = np.ones(int(end[-1] - at[0]), dtype=bool)
        keep[((at - at[0])[:, None] + np.arange(8)).ravel()] = False
        raw = buf[int(at[0]):int(end[-1])][keep].tobytes()
    else:
        first = np.repeat(at + 8 - np.concatenate(([0], np.cumsum(size)[:-1])), size)
        raw = buf[first + np.arange(int(size.sum()))].tobytes()
    names: list[str] = raw.decode("utf-8").split("\0")[:-1]
    if len(names) != count:
        raise ModelFormatError("a CQDB name holds a NUL byte")
    return names


def parse_model(data: bytes) -> CompiledModel:
    """The labels, attributes and weights of a CRFsuite crf1d model file's bytes."""
    if len(data) < _HEADER.size or data[:4] != b"lCRF" or data[8:12] != b"FOMC":
        raise ModelFormatError("not a CRFsuite crf1d model")
    (_, _size, _type, _version, _n, n_labels, n_attrs, off_feat, off_labels, off_attrs,
     _off_lrefs, _off_arefs) = _HEADER.unpack_from(data, 0)
    if data[off_feat:off_feat + 4] != b"FEAT":
        raise ModelFormatError("no feature chunk")
    n_feat = int.from_bytes(data[off_feat + 8:off_feat + 12], "little")  # the chunk's count
    feats = np.frombuffer(data, dtype=_FEATURE, count=n_feat, offset=off_feat + 12)
    labels = _cqdb_names(data, off_labels, n_labels)
    attributes = _cqdb_names(data, off_attrs, n_attrs)
    state = np.zeros((n_attrs + 1, n_labels))  # the last row: an attribute the model lacks
    transition = np.zeros((n_labels, n_labels))
    st = feats[feats["type"] == 0]
    tr = feats[feats["type"] == 1]
    if (st["src"] >= n_attrs).any() or (st["dst"] >= n_labels).any() or \
            (tr["src"] >= n_labels).any() or (tr["dst"] >= n_labels).any():
        raise ModelFormatError("a feature names an attribute or label out of range")
    # CRFsuite keeps one feature per (attribute, label) and per (label, label).
    state[st["src"].astype(np.intp), st["dst"].astype(np.intp)] = st["weight"]
    transition[tr["src"].astype(np.intp), tr["dst"].astype(np.intp)] = tr["weight"]
    return CompiledModel(labels, dict(zip(attributes, range(n_attrs), strict=True)), state,
                         transition)
