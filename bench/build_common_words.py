"""Write loaders/data/words/{da,nb,sv}.txt: the language's most frequent words (wordfreq), for telling a
capitalised common word at the start of a sentence from a one-word name. Needs `pip install wordfreq` (build only)."""
import sys
from importlib.metadata import version
from pathlib import Path

from wordfreq import top_n_list

N = 15000
out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
for lang in ("da", "nb", "sv"):
    words = [w for w in top_n_list(lang, N) if w.isalpha()]
    head = (f"# The {N} most frequent {lang} words (alphabetic only), from wordfreq {version('wordfreq')} "
            f"(https://github.com/rspeer/wordfreq; data CC BY-SA 4.0).\n# Built by bench/build_common_words.py.\n")
    (out / f"{lang}.txt").write_text(head + "\n".join(words) + "\n", encoding="utf-8")
    print(lang, len(words))
