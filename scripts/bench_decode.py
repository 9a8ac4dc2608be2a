"""Legacy code-page detection: WMT22 dev uk/ru documents and sentences encoded as cp1251,
koi8-u and koi8-r, decoded by newsbridge (pipeline.io.decode) and by charset-normalizer
restricted to the same three code pages; share decoded back to the exact text (and, for
newsbridge, also reported under the code page it was written in).

    python scripts/bench_decode.py
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import json
DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "wmt22-dev"
from pipeline.io.decode import decode_bytes
from charset_normalizer import from_bytes
docs=[]
for f in ["uk-en","en-uk","ru-en"]:
    for line in open(f"{DATA}/{f}.jsonl", encoding="utf-8"):
        d=json.loads(line)
        for side in ("src","ref"):
            lang=d[side+"_lang"]
            if lang in("uk","ru"): docs.append((lang," \n".join(d[side])))
res={}
for granularity in ("doc","sent"):
  for enc in ["cp1251","koi8_u","koi8_r"]:
    ours=named=cn=n=skip=0
    items=docs if granularity=="doc" else [(l,s) for l,d in docs for s in d.split(" \n")][:3000]
    for lang,text in items:
        try: data=text.encode(enc)
        except UnicodeEncodeError: skip+=1; continue
        if data.isascii(): skip+=1; continue
        n+=1
        try:
            t,e=decode_bytes(data,"x")
            ours+= t==text
            named+= t==text and e==enc  # koi8-u/koi8-r decode Russian alike: the name must be right too
        except Exception as ex: pass
        b=from_bytes(data,cp_isolation=["cp1251","koi8_u","koi8_r"]).best()
        cn+= b is not None and str(b)==text
    print(granularity,enc,"n",n,"skip",skip,"ours",ours/n,"ours_named",named/n,"charset_normalizer",cn/n)
