"""The report's interactive parts: sortable and filterable tables, zoomable overlays, and the
threshold explorer — written as one small inline script, so the page stays one file.

Nothing is fetched: the explorer's pictures are ``data:`` PNGs inside the
page, and the script thresholds them itself (``value > t``, the harness's
rule; ``value <= t`` for dark objects, Fiji's), so the overlay at any
slider position is exactly the mask a global
method with that threshold gives (on the picture's pixels; a large image is
sampled, 1 pixel in ``step``). The score beside the slider is not
recomputed from the picture: it is the exact score of the full-resolution
image at that threshold, from :mod:`bench.run.curves`, the numbers the
results table holds.
"""

from __future__ import annotations

import base64
import html
import json
import math

from bench.report.model import Explorer
from bench.report.plots import OVERLAY_COLOURS

__all__ = ["EXPLORE_CSS", "EXPLORE_JS", "explorer_html", "filter_box"]

EXPLORE_CSS = """
th.sortable{cursor:pointer;user-select:none} th.sortable:after{content:" \\2195";color:#999}
th[aria-sort=ascending]:after{content:" \\2191";color:#0072B2}
th[aria-sort=descending]:after{content:" \\2193";color:#0072B2}
input.filter{font-size:13px;padding:3px 6px;width:22em;margin:.4em 0}
figure img.zoom{cursor:zoom-in}
#lightbox{position:fixed;inset:0;background:rgba(0,0,0,.85);display:none;overflow:auto;
z-index:10;cursor:zoom-out;text-align:center}
#lightbox img{max-width:none;margin:1em auto;background:#fff}
.explorer{border:1px solid #ccc;padding:8px;margin:1em 0;display:grid;
grid-template-columns:minmax(0,1fr) 330px;gap:10px}
.explorer canvas.picture{width:100%;image-rendering:pixelated;border:1px solid #ddd}
.explorer .controls{font-size:13px} .explorer input[type=range]{width:100%}
.explorer .readout{font-size:18px;font-weight:600;margin:.3em 0}
.explorer ul{list-style:none;padding:0;margin:.4em 0} .explorer li button{font-size:12px;
text-align:left;width:100%;margin:1px 0;background:#f4f7fa;border:1px solid #ccd;cursor:pointer}
.explorer img.source{display:none}
"""

EXPLORE_JS = r"""
(function(){
function key(text){
  var t=text.trim(); if(t===''||t==='—') return null;
  var m=t.replace(/,/g,'').match(/^-?\d+(\.\d+)?(e-?\d+)?/i); if(!m) return t.toLowerCase();
  var v=parseFloat(m[0]);
  if(/µs$/.test(t)) v*=1e-6; else if(/ms$/.test(t)) v*=1e-3;
  if(/%$/.test(t)) v/=100; return v;
}
function sortBy(th){
  var table=th.closest('table'), body=table.tBodies[0], col=th.cellIndex;
  var down=th.getAttribute('aria-sort')==='ascending';
  table.querySelectorAll('th').forEach(function(h){h.removeAttribute('aria-sort');});
  th.setAttribute('aria-sort', down?'descending':'ascending');
  var rows=Array.prototype.slice.call(body.rows);
  rows.sort(function(a,b){
    var x=key(a.cells[col].textContent), y=key(b.cells[col].textContent);
    if(x===null&&y===null) return 0; if(x===null) return 1; if(y===null) return -1;
    var c=(typeof x===typeof y)?(x<y?-1:x>y?1:0):(typeof x==='number'?-1:1);
    return down?-c:c;
  });
  rows.forEach(function(r){body.appendChild(r);});
}
function filterRows(input){
  var table=document.getElementById(input.dataset.table);
  var terms=input.value.toLowerCase().split(/\s+/).filter(Boolean);
  Array.prototype.forEach.call(table.tBodies[0].rows,function(r){
    var text=r.textContent.toLowerCase();
    r.style.display=terms.every(function(t){return text.indexOf(t)>=0;})?'':'none';
  });
}
function pixels(img){
  var c=document.createElement('canvas'); c.width=img.naturalWidth; c.height=img.naturalHeight;
  var g=c.getContext('2d'); g.drawImage(img,0,0); return g.getImageData(0,0,c.width,c.height).data;
}
var COLOURS=%COLOURS%;
function Explorer(box){
  this.box=box; this.values=JSON.parse(box.dataset.values);
  this.scores=JSON.parse(box.dataset.scores);
  this.methods=JSON.parse(box.dataset.methods); this.dark=box.dataset.dark==='1';
  this.slider=box.querySelector('input[type=range]');
  this.canvas=box.querySelector('canvas.picture');
  this.curve=box.querySelector('canvas.curve');
  this.tOut=box.querySelector('.threshold'); this.sOut=box.querySelector('.score');
  var grey=box.querySelector('img.grey'), truth=box.querySelector('img.truth');
  var fov=box.querySelector('img.fov');
  this.w=grey.naturalWidth; this.h=grey.naturalHeight;
  this.canvas.width=this.w; this.canvas.height=this.h;
  this.grey=pixels(grey); this.truth=pixels(truth); this.fov=fov?pixels(fov):null;
  this.image=this.canvas.getContext('2d').createImageData(this.w,this.h);
  var self=this;
  this.slider.addEventListener('input',function(){self.show(+self.slider.value);});
  box.querySelectorAll('button[data-index]').forEach(function(b){
    b.addEventListener('click',function(){
      self.slider.value=b.dataset.index; self.show(+b.dataset.index);
    });
  });
  this.show(+this.slider.value);
}
Explorer.prototype.show=function(i){
  var t=this.values[i], s=this.scores[i], d=this.image.data, n=this.w*this.h, a=0.75;
  var counts={tp:0,fp:0,fn:0,tn:0};
  for(var p=0;p<n;p++){
    var k=4*p, v=this.grey[k], shown=v, fg=this.dark?v<=t:v>t, tr=this.truth[k]>127;
    var r=shown,g=shown,b=shown, c=null, out=this.fov&&this.fov[k]<128;
    if(fg&&tr) c=COLOURS.TP; else if(fg) c=COLOURS.FP; else if(tr) c=COLOURS.FN;
    if(c){r=(1-a)*r+a*c[0]; g=(1-a)*g+a*c[1]; b=(1-a)*b+a*c[2];}
    if(out){r*=0.3; g*=0.3; b*=0.3;}
    else counts[fg?(tr?'tp':'fp'):(tr?'fn':'tn')]++;
    d[k]=r; d[k+1]=g; d[k+2]=b; d[k+3]=255;
  }
  this.counts=counts;
  this.canvas.getContext('2d').putImageData(this.image,0,0);
  this.tOut.textContent=String(t);
  this.sOut.textContent=(s===null||isNaN(s))?'—':s.toFixed(4);
  this.box.dataset.index=i; this.drawCurve(i);
};
Explorer.prototype.drawCurve=function(i){
  var c=this.curve, g=c.getContext('2d'), W=c.width, H=c.height, n=this.scores.length, self=this;
  var lo=Math.min.apply(null,this.scores.filter(function(v){return v!==null;})), hi=1;
  lo=Math.min(lo,0); function x(j){return 4+(W-8)*j/Math.max(n-1,1);}
  function y(v){return H-4-(H-8)*(v-lo)/((hi-lo)||1);}
  g.clearRect(0,0,W,H); g.strokeStyle='#444'; g.beginPath();
  var started=false;
  this.scores.forEach(function(v,j){
    if(v===null) return;
    if(!started){g.moveTo(x(j),y(v)); started=true;} else g.lineTo(x(j),y(v));
  });
  g.stroke();
  this.methods.forEach(function(m){
    g.fillStyle='#D55E00'; g.beginPath(); g.arc(x(m[3]),y(self.scores[m[3]]||0),3.5,0,7); g.fill();
  });
  g.strokeStyle='#0072B2'; g.beginPath(); g.moveTo(x(i),0); g.lineTo(x(i),H); g.stroke();
};
document.addEventListener('DOMContentLoaded',function(){
  document.querySelectorAll('table.sortable th').forEach(function(th){
    th.classList.add('sortable'); th.addEventListener('click',function(){sortBy(th);});
  });
  document.querySelectorAll('input.filter').forEach(function(i){
    i.addEventListener('input',function(){filterRows(i);});
  });
  var box=document.createElement('div'); box.id='lightbox'; document.body.appendChild(box);
  box.addEventListener('click',function(){box.style.display='none'; box.innerHTML='';});
  document.addEventListener('keydown',function(e){if(e.key==='Escape') box.click();});
  document.querySelectorAll('figure img.zoom').forEach(function(img){
    img.addEventListener('click',function(){
      var big=document.createElement('img'); big.src=img.src; big.alt=img.alt;
      box.innerHTML=''; box.appendChild(big); box.style.display='block';
    });
  });
});
window.addEventListener('load',function(){
  window.segbenchExplorers=Array.prototype.map.call(
    document.querySelectorAll('.explorer'),function(b){return new Explorer(b);});
});
})();
""".replace("%COLOURS%", json.dumps({k: list(v) for k, v in OVERLAY_COLOURS.items()}))


def filter_box(table_id: str) -> str:
    """The text box above a table that hides the rows not containing every typed word."""
    return (
        f'<input class="filter" type="search" data-table="{table_id}" '
        'placeholder="filter rows: words in any column (e.g. sauvola median)" '
        'aria-label="filter the table rows">'
    )


def _png_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _json(value: object) -> str:
    return html.escape(json.dumps(value, allow_nan=False), quote=True)


def explorer_html(explorer: Explorer, metric: str) -> str:
    """One image's explorer: the picture, the slider, the score, each method's threshold."""
    scores = [None if math.isnan(s) else s for s in explorer.scores]
    index = {v: i for i, v in enumerate(explorer.values)}
    methods = [
        [config, threshold, None if math.isnan(score) else score, index[threshold]]
        for config, threshold, score in explorer.methods
        if threshold in index
    ]
    valid = [i for i, s in enumerate(scores) if s is not None]
    start = max(valid, key=lambda i: scores[i]) if valid else 0
    buttons = "".join(
        f'<li><button type="button" data-index="{i}">{html.escape(config)}: t = {t:g}, '
        f"{metric} {'—' if score is None else f'{score:.4f}'}</button></li>"
        for config, t, score, i in sorted(methods, key=lambda m: m[1])
    )
    fov = (
        ""
        if explorer.fov_png is None
        else f'<img class="source fov" alt="" src="{_png_uri(explorer.fov_png)}">'
    )
    sampled = (
        ""
        if explorer.step == 1
        else f" The picture shows 1 pixel in {explorer.step} per axis; scores are exact."
    )
    return (
        f'<div class="explorer" data-image="{html.escape(explorer.image)}" '
        f'data-values="{_json(list(explorer.values))}" data-scores="{_json(scores)}" '
        f'data-methods="{_json(methods)}" data-dark="{int(explorer.dark)}">'
        f'<div><canvas class="picture" aria-label="overlay at the chosen threshold"></canvas>'
        f'<img class="source grey" alt="" src="{_png_uri(explorer.grey_png)}">'
        f'<img class="source truth" alt="" src="{_png_uri(explorer.truth_png)}">{fov}</div>'
        f'<div class="controls"><b>{html.escape(explorer.image)}</b> '
        f"({html.escape(explorer.preprocessing or 'no filter')})"
        f'<input type="range" min="0" max="{len(explorer.values) - 1}" step="1" '
        f'value="{start}" aria-label="threshold">'
        f'<div class="readout">t = <span class="threshold"></span>: {html.escape(metric)} '
        f'<span class="score"></span></div>'
        f'<canvas class="curve" width="320" height="120" '
        f'aria-label="{html.escape(metric)} against threshold"></canvas>'
        f"<p>Objects: value {'&lt;=' if explorer.dark else '&gt;'} t (after the filter). "
        "Orange dots: the "
        f"threshold each method chose; click one to go there.{sampled}</p>"
        f"<ul>{buttons}</ul></div></div>"
    )
