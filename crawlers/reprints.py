"""Reprint detection: the same story republished with other boilerplate on other sites.

Documents are compared by MinHash over character shingles of their main text (datasketch). A new document
whose estimated Jaccard similarity with a known one reaches the threshold joins that document's cluster;
otherwise it starts a cluster of its own. Exact copies are caught earlier by a hash of the normalised text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import numpy as np
from datasketch import MinHash, MinHashLSH

NUM_PERM = 64
# Pinned so that signatures stored by one run compare with those of the next (datasketch ≥ 2 asks).
SCHEME = "affine32"
SHINGLE_CHARS = 5
_STRIP = re.compile(r"[\s\W_]+", re.UNICODE)


def normalise_text(text: str) -> str:
    """NFKC, lower case, no whitespace or punctuation: what two copies of one story share."""
    return _STRIP.sub("", unicodedata.normalize("NFKC", text).lower())


def content_sha256(text: str) -> str:
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def minhash(text: str) -> MinHash:
    normalised = normalise_text(text)
    signature = MinHash(num_perm=NUM_PERM, scheme=SCHEME)
    shingles = {normalised[i : i + SHINGLE_CHARS] for i in range(max(1, len(normalised) - SHINGLE_CHARS + 1))}
    signature.update_batch([s.encode("utf-8") for s in shingles])
    return signature


def to_bytes(signature: MinHash) -> bytes:
    return signature.hashvalues.astype(np.uint64).tobytes()


def from_bytes(blob: bytes) -> MinHash:
    return MinHash(num_perm=NUM_PERM, hashvalues=np.frombuffer(blob, dtype=np.uint64), scheme=SCHEME)


class ReprintIndex:
    """In-memory LSH over recent documents; ``assign`` returns the cluster a new document belongs to."""

    def __init__(self, threshold: float) -> None:
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._signatures: dict[str, MinHash] = {}
        self._clusters: dict[str, str] = {}
        self.threshold = threshold

    def __len__(self) -> int:
        return len(self._clusters)

    def add(self, doc_id: str, cluster_id: str, signature: MinHash) -> None:
        if doc_id in self._clusters:
            return
        self._lsh.insert(doc_id, signature)
        self._signatures[doc_id] = signature
        self._clusters[doc_id] = cluster_id

    def assign(self, doc_id: str, signature: MinHash) -> tuple[str, float]:
        """``(cluster_id, similarity)`` for a new document: the most similar known one's cluster, or its own."""
        best_id, best_score = None, 0.0
        for candidate in self._lsh.query(signature):
            if candidate == doc_id:
                continue
            score = signature.jaccard(self._signatures[candidate])
            if score >= self.threshold and score > best_score:
                best_id, best_score = candidate, score
        if best_id is None:
            return doc_id, 0.0
        return self._clusters[best_id], best_score
