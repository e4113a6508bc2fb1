"""Issue 18's four-attack table (docs/results/table3-four-attacks.md) from the runs' journals.

Usage: python3 table3_four_attacks.py RUNS_DIR [TEMPLATE]
RUNS_DIR is a work folder's runs/ (the runs named in the page); with TEMPLATE, its {{BLOCK}} markers are
replaced by the tables, otherwise every block is printed. Means and sample standard deviations over seeds.
"""
import json, re, statistics, collections, sys, glob, io
BLOCKS={}   # name -> text: the page's {{NAME}} markers
_buf=io.StringIO()
def emit(*a):
    print(*a, file=_buf)
def block(name):
    global _buf
    BLOCKS[name]=_buf.getvalue().strip(); _buf=io.StringIO()

R=sys.argv[1].rstrip('/')+'/' if len(sys.argv)>1 else 'work/runs/'
RUNS={'badnet':['fidelity-e8b4b6f13713','fidelity-badnet-d3221a1716a6','fidelity-badnet-0d76101355b1','fidelity-badnet-09d4bebb71f5'],
      'blended':['fidelity-blended-154b90f6ee4d'],'ssba':['fidelity-ssba-ca08819e9855'],'lc':['fidelity-lc-ce94b94bb61a']}
RHO={'badnet':'fidelity-paper-rho-badnet-','blended':'fidelity-paper-rho-blended-ssba-','ssba':'fidelity-paper-rho-blended-ssba-','lc':'fidelity-paper-rho-lc-'}
def label(d):
    if d.startswith('pam'):
        m=re.search(r'rho=([0-9.]+)',d)
        if not m: return 'pam (rho auto)'
        return 'pam (rho 0)' if float(m.group(1))==0 else 'pam (paper rho)'
    return d.split('{')[0]
v=collections.defaultdict(dict)   # (attack, defense, evaluator, metric) -> {seed: value}
codes=collections.defaultdict(set)
def read(run, attack, only=None, rename=None):
    for f in glob.glob(R+run+'/journal.jsonl')+glob.glob(R+run+'/journal.d/*.jsonl'):
        for l in open(f):
            try: j=json.loads(l)
            except Exception: continue
            for r in j['rows']:
                if r['attack']!=attack: continue
                d=label(r['defense'])
                if rename: d=rename.get(d,d)
                if only and d not in only: continue
                k=(attack,d,r['evaluator'],r['metric'])
                val=r['value']*(1 if r['evaluator']=='diagnostics' else 100)
                old=v[k].get(r['seed'])
                if old is not None and abs(old-val)>1e-9 and d not in ('none',): print('CONFLICT (two runs disagree)',k,r['seed'],old,val,file=sys.stderr)
                if d=='none' and old is not None and abs(old-val)>1e-9: print('NONE-DIFF (not the same backdoored model)',k,r['seed'],old,val,file=sys.stderr)
                v[k].setdefault(r['seed'],val)
                codes[(attack,d)].add(j.get('codeVersion','?'))
for a,runs in RUNS.items():
    for run in runs: read(run,a)
for a,prefix in RHO.items():
    for run in [p.split('/')[-1] for p in glob.glob(R+prefix+'*')]:
        read(run,a,rename={'pam (rho auto)':'pam (paper rho)'})   # its only PAM row is unlabelled; its 'none' rows must equal the fidelity run's (same cached models): NONE-DIFF otherwise
ATT=['badnet','blended','ssba','lc']
NAMES={'badnet':'BadNet','blended':'Blended','ssba':'SSBA','lc':'LC'}
DEF=['none','clean','ep','ft-sam','fst','bti-dbf','bti-sam','pam (rho 0)','pam (rho auto)','pam (paper rho)']
# Paper Table 3 (CIFAR-10, ResNet-18, 5%): (C-Acc O, ASR O, C-Acc P, ASR P); none: O-Backdoor C-Acc, ASR
P={'none':{'badnet':(94.04,99.99),'blended':(94.77,100.0),'ssba':(94.60,96.38),'lc':(94.86,99.99)},
 'clean':{'badnet':(95.07,0.57,94.37,0.20),'blended':(95.07,0.90,95.02,8.12),'ssba':(95.07,0.61,94.29,1.26),'lc':(95.07,0.81,94.93,1.33)},
 'ep':{'badnet':(93.57,0.94,92.27,1.08),'blended':(93.47,3.37,93.36,4.93),'ssba':(93.39,0.53,92.05,2.47),'lc':(93.64,0.52,93.69,0.41)},
 'ft-sam':{'badnet':(92.85,2.14,92.89,100),'blended':(93.14,2.01,93.05,78.93),'ssba':(93.27,4.80,92.98,72.20),'lc':(93.00,3.14,92.57,97.91)},
 'fst':{'badnet':(93.89,0.78,93.92,100),'blended':(93.92,0.81,93.88,99.87),'ssba':(94.01,0.63,93.91,85.53),'lc':(94.09,0.41,94.16,90.36)},
 'bti-dbf':{'badnet':(92.56,1.08,91.15,100),'blended':(92.48,0.00,91.86,99.8),'ssba':(92.21,2.46,91.18,68.57),'lc':(93.28,2.64,92.89,99.97)},
 'bti-sam':{'badnet':(91.72,3.70,92.48,100.0),'blended':(92.49,42.49,92.99,100.0),'ssba':(93.03,7.84,93.36,94.12),'lc':(93.04,6.67,92.87,92.01)},
 'pam (paper rho)':{'badnet':(92.11,1.14,91.66,3.90),'blended':(93.34,1.67,93.38,2.69),'ssba':(92.96,1.24,92.20,3.31),'lc':(92.32,4.92,92.15,8.31)}}
def stats(xs):
    return (statistics.mean(xs), statistics.stdev(xs) if len(xs)>1 else float('nan'))
def ms(a,d,e,m,digits=1):
    xs=list(v.get((a,d,e,m),{}).values())
    if not xs: return None
    mu,sd=stats(xs)
    return f"{mu:.{digits}f}" + (f" ± {sd:.{digits}f}" if len(xs)>1 else '') + ('' if len(xs)==3 else f" (n={len(xs)})")
out=[]
out.append("| Defense | " + " | ".join(NAMES[a]+": ours" + " | " + NAMES[a]+": paper" for a in ATT) + " |")
out.append("|---|" + "---:|---|"*len(ATT))
for d in DEF:
    cells=[]
    for a in ATT:
        o=ms(a,d,'accuracy','asr'); p=ms(a,d,'ra','p-asr')
        if o is None: cells+=['-','-']; continue
        if d=='none':
            cells.append(f"{o} (RA: {p})"); pp=P['none'][a]; cells.append(f"{pp[1]}")
        else:
            omu=stats(list(v[(a,d,'accuracy','asr')].values()))[0]
            cells.append(f"{omu:.1f} -> {p}")
            pp=P.get(d,{}).get(a); cells.append('-' if not pp else f"{pp[1]} -> {pp[3]}")
    out.append(f"| {d} | " + " | ".join(cells) + " |")
emit("\n".join(out)); block("T1")
# C-Acc cost against the same seed's backdoored model
out=["| Defense | " + " | ".join(NAMES[a]+": ours" + " | " + NAMES[a]+": paper" for a in ATT) + " |", "|---|" + "---:|---:|"*len(ATT)]
for d in DEF[1:]:
    cells=[]
    for a in ATT:
        base=v.get((a,'none','accuracy','c-acc'),{}); mine=v.get((a,d,'accuracy','c-acc'),{})
        cost=[base[s]-x for s,x in mine.items() if s in base]
        if not cost: cells+=['-','-']; continue
        mu,sd=stats(cost); cells.append(f"{mu:.1f}" + (f" ± {sd:.1f}" if len(cost)>1 else '') + ('' if len(cost)==3 else f" (n={len(cost)})"))
        pp=P.get(d,{}).get(a); cells.append('-' if not pp else f"{P['none'][a][0]-pp[0]:.2f}")
    out.append(f"| {d} | " + " | ".join(cells) + " |")
emit("\n".join(out)); block("T2")
emit("- C-Acc of the backdoored model: " + "; ".join(f"{NAMES[a]} {ms(a,'none','accuracy','c-acc')}" for a in ATT) + ".")
emit("- RA control (the clean model under the same RA), P-ASR: " + "; ".join(f"{NAMES[a]} {ms(a,'none','ra','control-p-asr')}" for a in ATT) + ".")
def lowest(a):
    xs=[(x,d) for d in DEF for x in v.get((a,d,'ra','p-c-acc'),{}).values()]
    return f"{min(xs)[0]:.1f} ({min(xs)[1]})" if xs else '-'
emit("- Lowest C-Acc after RA (P-C-Acc) of any defense and seed: " + "; ".join(f"{NAMES[a]} {lowest(a)}" for a in ATT) + ".")
block("FACTS")
for a in ATT:
    emit(f"{NAMES[a]} per seed (O-ASR -> P-ASR, seeds 0; 1; 2):")
    for d in DEF[2:]:
        o=v.get((a,d,'accuracy','asr'),{}); p=v.get((a,d,'ra','p-asr'),{})
        if not o: continue
        extra=[]
        for diag in ('inverted-target','rho','alpha'):
            dd=v.get((a,d,'diagnostics',diag))
            if dd: extra.append(f"{diag} " + ", ".join(f"{dd[s]:g}" for s in sorted(dd)))
        emit(f"- {d}: " + "; ".join(f"{o[s]:.1f} -> {p.get(s,float('nan')):.1f}" for s in sorted(o)) + (f" ({'; '.join(extra)})" if extra else ''))
block('SEEDS')
for k in sorted(codes): emit('code', k, sorted(codes[k]))
block('CODES')

# The reading rule, fixed before the paper-rho and LC seed-2 numbers came in and applied mechanically:
# purified = mean O-ASR <= 10; superficial = purified and mean P-ASR >= control + 20; robust = purified and
# mean P-ASR <= control + 10; otherwise in between. Paper: superficial for FT-SAM, FST, BTI-DBF, BTI-SAM; robust for EP, PAM.
def seed_class(o,p,c):
    if o>10: return 'not purified'
    if p>=c+20: return 'superficial'
    if p<=c+10: return 'robust'
    return 'in between'
def verdict(a,d):
    o=v.get((a,d,'accuracy','asr')); p=v.get((a,d,'ra','p-asr')); c=v.get((a,'none','ra','control-p-asr'))
    if not o or not p or not c: return '-'
    per={s_:seed_class(o[s_],p[s_],c[s_]) for s_ in sorted(o) if s_ in p and s_ in c}
    by=collections.defaultdict(list)
    for s_,k in per.items(): by[k].append(str(s_))
    main='; '.join(f"{k} ({', '.join(ss)})" for k,ss in sorted(by.items(), key=lambda kv:-len(kv[1])))
    return main
emit()
emit("| Defense | paper | " + " | ".join(NAMES[a]+" (seeds)" for a in ATT) + " |")
emit("|---|---|" + "---|"*len(ATT))
PAPER={'ep':'robust','ft-sam':'superficial','fst':'superficial','bti-dbf':'superficial','bti-sam':'superficial (Table 11)','pam (rho 0)':'-','pam (rho auto)':'-','pam (paper rho)':'robust'}
for d in DEF[2:]:
    emit(f"| {d} | {PAPER[d]} | " + " | ".join(verdict(a,d) for a in ATT) + " |")

block('T3')
emit("| Defense | " + " | ".join(NAMES[a] for a in ATT) + " |")
emit("|---|" + "---:|"*len(ATT))
for d in DEF[2:]:
    cells=[]
    for a in ATT:
        o=v.get((a,d,'accuracy','asr'),{}); p=v.get((a,d,'ra','p-asr'),{})
        ok=[p[s_] for s_ in o if o[s_]<=10 and s_ in p]
        cells.append('-' if not o else (f"{statistics.mean(ok):.1f} (n={len(ok)})" if ok else 'none purified'))
    emit(f"| {d} | " + " | ".join(cells) + " |")
block('T4')
# RA at the reference's batch size and weight decay, Blended models
ref=collections.defaultdict(dict)
for run in [q.split('/')[-1] for q in glob.glob(R+'fidelity-ra-reference-blended-*')]:
    for f in glob.glob(R+run+'/journal.jsonl'):
        for l in open(f):
            try: j=json.loads(l)
            except Exception: continue
            for r in j['rows']:
                ref[(label(r['defense']),r['evaluator'],r['metric'])][r['seed']]=r['value']*100
emit("| Defense | O-ASR | P-ASR, our RA (batch 64, wd 5e-4) | P-ASR, reference RA (batch 128, wd 0) | P-C-Acc ours / reference |")
emit("|---|---:|---:|---:|---:|")
for d in DEF[:-1]:
    a='blended'
    mine=v.get((a,d,'ra','p-asr'),{}); theirs=ref.get((d,'ra','p-asr'),{})
    if not theirs: continue
    same=[s_ for s_ in theirs if s_ in mine]
    def f(xs):
        return f"{statistics.mean(xs):.1f}" + (f" ± {statistics.stdev(xs):.1f}" if len(xs)>1 else '') + ('' if len(xs)==3 else f" (n={len(xs)})")
    oa=ref.get((d,'accuracy','asr'),{})
    emit(f"| {d} | {f([oa[s_] for s_ in same if s_ in oa]) if oa else '-'} | {f([mine[s_] for s_ in same])} | {f([theirs[s_] for s_ in same])} | {f([v[(a,d,'ra','p-c-acc')][s_] for s_ in same])} / {f([ref[(d,'ra','p-c-acc')][s_] for s_ in same])} |")
ours_c=v.get(('blended','none','ra','control-p-asr'),{}); ref_c=ref.get(('none','ra','control-p-asr'),{})
if ours_c and ref_c:
    emit(f"\nRA control (the clean model under RA), P-ASR: ours {statistics.mean(ours_c.values()):.1f}, reference {statistics.mean(ref_c.values()):.1f}.")
block('RAREF')
if len(sys.argv)>2:
    t=open(sys.argv[2]).read()
    for k,vv in BLOCKS.items(): t=t.replace('{{'+k+'}}',vv)
    print(t)
else:
    for k,vv in BLOCKS.items(): print('=== '+k); print(vv)
