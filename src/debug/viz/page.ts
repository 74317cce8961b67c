/**
 * The visualizer page: one SVG per machine drawn from server-side layout, live
 * actors highlighted, and a transition log fed by server-sent events. Plain
 * DOM code, no framework: it is a debugging view that must load with no network.
 */
export const VIZ_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>banger · state machines</title>
<style>
 body{font:13px/1.4 system-ui,sans-serif;margin:0;display:flex;height:100vh;color:#1d2330}
 main{flex:1;overflow:auto;padding:12px 16px}
 aside{width:380px;border-left:1px solid #d8dce4;display:flex;flex-direction:column}
 h1{font-size:16px;margin:4px 0 10px} h2{font-size:14px;margin:14px 0 6px}
 .actors{padding:8px 12px;border-bottom:1px solid #d8dce4;max-height:40vh;overflow:auto}
 .actor{cursor:pointer;padding:3px 6px;border-radius:4px;display:flex;justify-content:space-between}
 .actor.sel{background:#e3ecff} .actor .st{color:#506080;font-family:monospace}
 #log{flex:1;overflow:auto;padding:8px 12px;font-family:monospace;font-size:12px}
 #log div{padding:2px 0;border-bottom:1px solid #f0f1f4}
 svg text{font:12px system-ui,sans-serif} .cluster rect{fill:#f7f8fb;stroke:#b8bfcc}
 .leaf rect{fill:#fff;stroke:#7d8799} .state.active rect{fill:#ffe9a8;stroke:#d08a00;stroke-width:2.5}
 .state.active.cluster rect{fill:#fff6da}
 .edge line{stroke:#9aa3b5;marker-end:url(#arrow)} .edge text{fill:#5a6478;font-size:10px}
 .badge{fill:#d08a00;font-size:10px;font-weight:bold}
 #status{font-size:12px;color:#666}
</style></head>
<body><main><h1>banger state machines <span id="status">connecting…</span></h1><div id="graphs"></div></main>
<aside><div class="actors"><h2>live actors</h2><div id="actors"></div></div><h2 style="padding:0 12px">transitions</h2><div id="log"></div></aside>
<script>
const NS='http://www.w3.org/2000/svg';
let graphs=[], actors=new Map(), selected=null;
const el=(tag,attrs,parent)=>{const e=document.createElementNS(NS,tag);for(const k in attrs)e.setAttribute(k,attrs[k]);if(parent)parent.appendChild(e);return e};
function center(n){return{x:n.x+n.width/2,y:n.y+n.height/2}}
function border(n,toward){const c=center(n),dx=toward.x-c.x,dy=toward.y-c.y;if(!dx&&!dy)return c;
 const sx=(n.width/2)/Math.abs(dx||1e-9),sy=(n.height/2)/Math.abs(dy||1e-9),s=Math.min(sx,sy);return{x:c.x+dx*s,y:c.y+dy*s}}
function drawGraphs(){const host=document.getElementById('graphs');host.innerHTML='';
 for(const g of graphs){const h=document.createElement('h2');h.textContent=g.id;host.appendChild(h);
  const svg=el('svg',{width:g.width,height:g.height,'data-machine':g.id},host);
  const defs=el('defs',{},svg);const m=el('marker',{id:'arrow',viewBox:'0 0 10 10',refX:'10',refY:'5',markerWidth:'7',markerHeight:'7',orient:'auto-start-reverse'},defs);el('path',{d:'M0,0L10,5L0,10z',fill:'#9aa3b5'},m);
  const byId=new Map(g.nodes.map(n=>[n.id,n]));
  for(const n of g.nodes.filter(n=>n.compound)){const gr=el('g',{class:'state cluster','data-state':n.id},svg);
   el('rect',{x:n.x,y:n.y,width:n.width,height:n.height,rx:8},gr);const t=el('text',{x:n.x+8,y:n.y+16},gr);t.textContent=n.key}
  const pairs=new Map();
  for(const e of g.edges){const a=byId.get(e.source),b=byId.get(e.target);if(!a||!b||a===b)continue;
   const k=e.source+'>'+e.target,i=pairs.get(k)||0;pairs.set(k,i+1);
   const p=border(a,center(b)),q=border(b,center(a));const gr=el('g',{class:'edge'},svg);
   if(i===0)el('line',{x1:p.x,y1:p.y,x2:q.x,y2:q.y},gr);
   const t=el('text',{x:(p.x+q.x)/2,y:(p.y+q.y)/2-3+i*11,'text-anchor':'middle'},gr);t.textContent=e.label}
  for(const n of g.nodes.filter(n=>!n.compound)){const gr=el('g',{class:'state leaf','data-state':n.id},svg);
   el('rect',{x:n.x,y:n.y,width:n.width,height:n.height,rx:n.final?16:6},gr);
   const t=el('text',{x:n.x+n.width/2,y:n.y+n.height/2+4,'text-anchor':'middle'},gr);t.textContent=n.key;
   const b=el('text',{class:'badge',x:n.x+n.width-4,y:n.y+11,'text-anchor':'end','data-badge':n.id},gr);b.textContent=''}}
 highlight()}
function highlight(){document.querySelectorAll('.state').forEach(s=>s.classList.remove('active'));
 document.querySelectorAll('[data-badge]').forEach(b=>b.textContent='');
 const counts=new Map();for(const a of actors.values())for(const s of a.states)counts.set(s,(counts.get(s)||0)+1);
 for(const [s,c] of counts){const b=document.querySelector('[data-badge="'+CSS.escape(s)+'"]');if(b)b.textContent=String(c)}
 const a=selected&&actors.get(selected);let last=null;if(a)for(const s of a.states){const n=document.querySelector('.state[data-state="'+CSS.escape(s)+'"]');if(n){n.classList.add('active');last=n}}
 if(last&&last.scrollIntoView)last.scrollIntoView({block:'nearest',inline:'nearest'})
 drawActors()}
function short(states){return states.length?states[states.length-1].split('.').slice(1).join('.'):'-'}
function drawActors(){const host=document.getElementById('actors');host.innerHTML='';
 for(const a of [...actors.values()].sort((x,y)=>(x.label||x.actorId).localeCompare(y.label||y.actorId))){
  const d=document.createElement('div');d.className='actor'+(a.actorId===selected?' sel':'');d.dataset.actor=a.actorId;
  d.innerHTML='<span></span><span class="st"></span>';d.children[0].textContent=(a.label||a.actorId)+' ('+a.machineId+')';d.children[1].textContent=short(a.states);
  d.onclick=()=>{selected=a.actorId;highlight()};host.appendChild(d)}}
function log(e){const d=document.createElement('div');d.className='entry';
 d.textContent=e.at.slice(11,19)+' '+(e.label||e.actorId)+' '+short(e.from)+' → '+short(e.to)+' ('+e.event+')';
 const host=document.getElementById('log');host.insertBefore(d,host.firstChild)}
async function load(){graphs=await (await fetch('/api/graphs')).json();
 actors=new Map((await (await fetch('/api/actors')).json()).map(a=>[a.actorId,a]));
 if(!selected||!actors.has(selected)){const vm=[...actors.values()].find(a=>a.machineId==='vm')||[...actors.values()][0];selected=vm?vm.actorId:null}
 drawGraphs()}
load().then(()=>{const es=new EventSource('/events');
 es.onopen=()=>{document.getElementById('status').textContent='live'};
 es.onerror=()=>{document.getElementById('status').textContent='reconnecting…'};
 es.addEventListener('transition',ev=>{const e=JSON.parse(ev.data);
  const a=actors.get(e.actorId)||{actorId:e.actorId,machineId:e.machineId,label:e.label,states:[]};a.states=e.to;actors.set(e.actorId,a);
  if(!selected)selected=e.actorId;log(e);highlight()});
 es.addEventListener('reset',()=>{const d=document.createElement('div');d.className='entry';d.textContent=new Date().toISOString().slice(11,19)+' daemon restarted, reconnected';
  const host=document.getElementById('log');host.insertBefore(d,host.firstChild);load()})});
</script></body></html>`;
