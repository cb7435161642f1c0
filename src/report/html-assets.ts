// Inline CSS and script of the HTML report. Hand-written; the page must work offline and print on A4.

export const CSS = `
:root{--own:#3a9d5d;--copied:#d9534f;--imported:#f0ad4e;--excluded:#b8b8b8;--ink:#1d1d1f;--mute:#666;--line:#ddd;
--pass:#2e7d32;--review:#b26a00;--fail:#c62828;--nc:#616161}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans KR",sans-serif;color:var(--ink);margin:0 auto;max-width:1180px;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:16px 0 6px}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Noto Sans Mono",monospace;font-size:12.5px}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:8px 0}.meta dt{color:var(--mute)}.meta dd{margin:0;word-break:break-all}
.summary{display:flex;gap:24px;align-items:stretch;flex-wrap:wrap;margin:16px 0}
.verdict{font-size:30px;font-weight:700;padding:10px 22px;border-radius:6px;color:#fff;align-self:center}
.v-PASS{background:var(--pass)}.v-REVIEW{background:var(--review)}.v-FAIL{background:var(--fail)}
.ratio-box{flex:1;min-width:280px}.ratio{font-size:30px;font-weight:700}.def{color:var(--mute);font-size:12.5px;margin:4px 0}
.status{display:inline-block;font-weight:700;font-size:12px;padding:1px 8px;border-radius:10px;color:#fff;white-space:nowrap}
.s-PASS{background:var(--pass)}.s-REVIEW{background:var(--review)}.s-FAIL{background:var(--fail)}.s-NOT-CHECKED{background:var(--nc)}
.stack{display:flex;height:28px;border-radius:4px;overflow:hidden;border:1px solid var(--line);margin:8px 0}
.stack>div{height:100%}.seg-own{background:var(--own)}.seg-copied{background:var(--copied)}.seg-imported{background:var(--imported)}.seg-excluded{background:var(--excluded)}
.legend{display:flex;flex-wrap:wrap;gap:6px 18px;font-size:13px}.legend i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f4f4f6;font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td{overflow-wrap:anywhere}td.path{min-width:11em}
th button{font:inherit;font-weight:600;background:none;border:0;padding:0;cursor:pointer;color:inherit}
th button::after{content:" \\2195";color:#999}th[aria-sort=ascending] button::after{content:" \\2191";color:var(--ink)}th[aria-sort=descending] button::after{content:" \\2193";color:var(--ink)}
.bar{display:flex;width:120px;height:10px;background:var(--own);border-radius:2px;overflow:hidden}.bar>span{background:var(--copied);height:100%}
.bar.excl{background:var(--excluded)}
.treemap{position:relative;height:340px;border:1px solid #999;margin:8px 0}
.tile{position:absolute;border:1px solid #fff;overflow:hidden;font-size:11px;padding:1px 3px;color:#111}
.folder{position:absolute;border:2px solid #333;pointer-events:none}.folder>span{position:absolute;right:2px;bottom:1px;font-size:11px;background:rgba(255,255,255,.85);padding:0 3px}
.tile.excluded{background-image:repeating-linear-gradient(45deg,transparent 0 6px,rgba(255,255,255,.5) 6px 9px)!important}
.scale{display:flex;align-items:center;gap:6px;font-size:12px}.scale i{display:inline-block;width:160px;height:10px}.scale b{display:inline-block;width:14px;height:10px;margin-left:14px}
.frag{border:1px solid var(--line);border-radius:6px;margin:10px 0;page-break-inside:avoid;break-inside:avoid}
.frag header{background:#f7f7f9;padding:6px 10px;border-bottom:1px solid var(--line);font-weight:600}
.pair{display:grid;grid-template-columns:1fr 1fr}.pair>div{padding:8px 10px;min-width:0}.pair>div+div{border-left:1px solid var(--line)}
.side-title{font-size:12px;color:var(--mute);text-transform:uppercase;letter-spacing:.04em;margin-bottom:4px}
pre.src{margin:0;overflow-x:auto;background:#fbfbfb;border:1px solid #eee;padding:4px 0;max-height:420px}
pre.src span{display:block;padding:0 8px;white-space:pre}pre.src span.hit{background:#ffe3e1}pre.src span.gap{color:var(--mute);font-style:italic}
pre.src b{display:inline-block;min-width:3.5em;color:#999;font-weight:400;user-select:none}
.strength-info,.strength-weak{color:var(--mute)}.note{color:var(--mute);font-size:12.5px}.empty{color:var(--mute);font-style:italic}
pre.policy{white-space:pre-wrap;background:#fbfbfb;border:1px solid #eee;padding:8px;max-height:360px;overflow:auto}
footer{margin-top:32px;color:var(--mute);font-size:12px}
@media print{
  @page{size:A4;margin:14mm 12mm}
  body{max-width:none;padding:0;font-size:10.5pt}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
  h2{break-after:avoid;page-break-after:avoid}
  tr,.tile,.summary{break-inside:avoid;page-break-inside:avoid}
  th button::after{content:""}
  a{color:inherit;text-decoration:none}a[href^="https:"]::after{content:" <" attr(href) ">";font-size:8pt;color:#555;word-break:break-all}
  .table-wrap{overflow:visible}pre.src,pre.policy{max-height:none;overflow:visible;white-space:pre-wrap}
  .treemap{height:260px}
}
`;

// Sorts tables marked "sortable" by the data-v of the clicked column; ties keep the original order.
export const SCRIPT = `(function(){
"use strict";
var tables=document.querySelectorAll("table.sortable");
Array.prototype.forEach.call(tables,function(table){
  var heads=table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads,function(th,col){
    var b=th.querySelector("button");if(!b)return;
    b.addEventListener("click",function(){
      var dir=th.getAttribute("aria-sort")==="ascending"?"descending":"ascending";
      Array.prototype.forEach.call(heads,function(h){h.removeAttribute("aria-sort");});
      th.setAttribute("aria-sort",dir);
      var num=th.getAttribute("data-type")==="num",body=table.tBodies[0];
      var rows=Array.prototype.slice.call(body.rows);
      rows.sort(function(a,b){
        var x=a.cells[col].getAttribute("data-v")||"",y=b.cells[col].getAttribute("data-v")||"";
        var c=num?(parseFloat(x)||0)-(parseFloat(y)||0):x.localeCompare(y);
        if(c===0)c=(+a.getAttribute("data-i"))-(+b.getAttribute("data-i"));
        else if(dir==="descending")c=-c;
        return c;
      });
      rows.forEach(function(r){body.appendChild(r);});
    });
  });
});
var data=document.getElementById("audit-data");
if(data){try{var r=JSON.parse(data.textContent||"");document.documentElement.setAttribute("data-findings",String(r.findings.length));}
catch(e){document.documentElement.setAttribute("data-findings","error");}}
})();`;
