"""Unsupervised themes in free text: NMF over TF-IDF (scikit-learn).

Surfaces recurring themes the keyword lexicon misses. The document-term matrix is TF-IDF
(``TfidfVectorizer``: ``tf · (ln((1+n)/(1+df)) + 1)``, rows L2-normalised) over Swedish word
tokens, with ``stopwordsiso`` Swedish stop words and the scrubber's tokens removed; NMF
(Lee & Seung 2001; scikit-learn ``NMF`` with ``init="nndsvda"``, Frobenius loss) factorises it as
``X ≈ W H`` with ``W`` (documents × topics) and ``H`` (topics × terms) non-negative. A topic is
described by its highest-weighted terms in ``H``. Deterministic for a given ``seed``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer

from pipeline.text.normalise import SCRUB_TOKENS, stopwords_sv

N_TERMS = 8


def topics(texts: pd.Series, n_topics: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Fit NMF topics to texts.

    Parameters
    ----------
    texts : Series of str (NA is treated as empty)
    n_topics : int
        Requested number of topics; capped at the number of documents and of distinct terms.
    seed : int
        ``random_state`` of NMF.

    Returns
    -------
    (DataFrame, ndarray)
        ``topic`` (0-based int), ``top_terms`` (the eight heaviest terms, ", "-joined) and
        ``term_docs`` (how many documents use each of them, aligned; the public version shows
        only words that enough documents use), and the
        document-topic weights ``W`` of shape (len(texts), number of topics). With no usable
        words the frame is empty and ``W`` has zero columns.
    """
    docs = texts.fillna("").astype(str).tolist()
    stop = sorted(stopwords_sv() | SCRUB_TOKENS | {"e", "post"})
    vec = TfidfVectorizer(lowercase=True, stop_words=stop, token_pattern=r"(?u)\b[^\W\d_]{3,}\b")
    empty = (pd.DataFrame({"topic": pd.Series(dtype="int64"), "top_terms": pd.Series(dtype="str"),
                           "term_docs": pd.Series(dtype="str")}),
             np.zeros((len(docs), 0)))
    try:
        X = vec.fit_transform(docs)
    except ValueError:  # empty vocabulary
        return empty
    k = int(min(n_topics, X.shape[0], X.shape[1]))
    if k < 1 or X.nnz == 0:
        return empty
    model = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=1000)
    W = model.fit_transform(X)
    terms = vec.get_feature_names_out()
    doc_freq = np.asarray((X > 0).sum(axis=0)).ravel()
    rows = []
    for t, comp in enumerate(model.components_):
        order = [i for i in np.lexsort((terms, -comp))[:N_TERMS] if comp[i] > 0]  # weight desc, then term
        rows.append({"topic": t, "top_terms": ", ".join(terms[i] for i in order),
                     "term_docs": ", ".join(str(int(doc_freq[i])) for i in order)})
    return pd.DataFrame(rows).astype({"topic": "int64", "top_terms": "str", "term_docs": "str"}), W
