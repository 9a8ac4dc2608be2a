"""Legacy code-page detection: WMT22 dev uk/ru documents and sentences encoded as cp1251,
koi8-u and koi8-r, decoded by newsbridge (pipeline.io.decode) and by charset-normalizer
restricted to the same three code pages; share decoded back to the exact text, and for
newsbridge also the share reported under the code page it was written in (koi8-r for
Russian, koi8-u for Ukrainian text: the two give the same bytes without і ї є ґ).

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
    ours=named=n_named=cn=n=skip=0
    # koi8-u and koi8-r give the same bytes for text without і ї є ґ, so the name is only
    # judged where the text is in the code page's own language (ru koi8-r, uk koi8-u).
    own={"koi8_u":"uk","koi8_r":"ru"}.get(enc)
    items=docs if granularity=="doc" else [(l,s) for l,d in docs for s in d.split(" \n")][:3000]
    for lang,text in items:
        try: data=text.encode(enc)
        except UnicodeEncodeError: skip+=1; continue
        if data.isascii(): skip+=1; continue
        n+=1
        judged=own in (None,lang)
        n_named+=judged
        try:
            t,e=decode_bytes(data,"x")
            ours+= t==text
            named+= judged and t==text and e==enc
        except Exception as ex: pass
        b=from_bytes(data,cp_isolation=["cp1251","koi8_u","koi8_r"]).best()
        cn+= b is not None and str(b)==text
    print(granularity,enc,"n",n,"skip",skip,"ours",ours/n,"ours_named",named/max(n_named,1),"of",n_named,"charset_normalizer",cn/n)
