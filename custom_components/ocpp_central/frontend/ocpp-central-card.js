var j=globalThis,z=j.ShadowRoot&&(j.ShadyCSS===void 0||j.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,q=Symbol(),ct=new WeakMap,C=class{constructor(t,e,s){if(this._$cssResult$=!0,s!==q)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=t,this.t=e}get styleSheet(){let t=this.o,e=this.t;if(z&&t===void 0){let s=e!==void 0&&e.length===1;s&&(t=ct.get(e)),t===void 0&&((this.o=t=new CSSStyleSheet).replaceSync(this.cssText),s&&ct.set(e,t))}return t}toString(){return this.cssText}},lt=r=>new C(typeof r=="string"?r:r+"",void 0,q),R=(r,...t)=>{let e=r.length===1?r[0]:t.reduce((s,i,n)=>s+(o=>{if(o._$cssResult$===!0)return o.cssText;if(typeof o=="number")return o;throw Error("Value passed to 'css' function must be a 'css' function result: "+o+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(i)+r[n+1],r[0]);return new C(e,r,q)},dt=(r,t)=>{if(z)r.adoptedStyleSheets=t.map(e=>e instanceof CSSStyleSheet?e:e.styleSheet);else for(let e of t){let s=document.createElement("style"),i=j.litNonce;i!==void 0&&s.setAttribute("nonce",i),s.textContent=e.cssText,r.appendChild(s)}},G=z?r=>r:r=>r instanceof CSSStyleSheet?(t=>{let e="";for(let s of t.cssRules)e+=s.cssText;return lt(e)})(r):r;var{is:kt,defineProperty:Tt,getOwnPropertyDescriptor:Ht,getOwnPropertyNames:Ot,getOwnPropertySymbols:Mt,getPrototypeOf:Nt}=Object,I=globalThis,ht=I.trustedTypes,Lt=ht?ht.emptyScript:"",Ut=I.reactiveElementPolyfillSupport,P=(r,t)=>r,F={toAttribute(r,t){switch(t){case Boolean:r=r?Lt:null;break;case Object:case Array:r=r==null?r:JSON.stringify(r)}return r},fromAttribute(r,t){let e=r;switch(t){case Boolean:e=r!==null;break;case Number:e=r===null?null:Number(r);break;case Object:case Array:try{e=JSON.parse(r)}catch{e=null}}return e}},ut=(r,t)=>!kt(r,t),pt={attribute:!0,type:String,converter:F,reflect:!1,useDefault:!1,hasChanged:ut};Symbol.metadata??=Symbol("metadata"),I.litPropertyMetadata??=new WeakMap;var v=class extends HTMLElement{static addInitializer(t){this._$Ei(),(this.l??=[]).push(t)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(t,e=pt){if(e.state&&(e.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(t)&&((e=Object.create(e)).wrapped=!0),this.elementProperties.set(t,e),!e.noAccessor){let s=Symbol(),i=this.getPropertyDescriptor(t,s,e);i!==void 0&&Tt(this.prototype,t,i)}}static getPropertyDescriptor(t,e,s){let{get:i,set:n}=Ht(this.prototype,t)??{get(){return this[e]},set(o){this[e]=o}};return{get:i,set(o){let c=i?.call(this);n?.call(this,o),this.requestUpdate(t,c,s)},configurable:!0,enumerable:!0}}static getPropertyOptions(t){return this.elementProperties.get(t)??pt}static _$Ei(){if(this.hasOwnProperty(P("elementProperties")))return;let t=Nt(this);t.finalize(),t.l!==void 0&&(this.l=[...t.l]),this.elementProperties=new Map(t.elementProperties)}static finalize(){if(this.hasOwnProperty(P("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(P("properties"))){let e=this.properties,s=[...Ot(e),...Mt(e)];for(let i of s)this.createProperty(i,e[i])}let t=this[Symbol.metadata];if(t!==null){let e=litPropertyMetadata.get(t);if(e!==void 0)for(let[s,i]of e)this.elementProperties.set(s,i)}this._$Eh=new Map;for(let[e,s]of this.elementProperties){let i=this._$Eu(e,s);i!==void 0&&this._$Eh.set(i,e)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(t){let e=[];if(Array.isArray(t)){let s=new Set(t.flat(1/0).reverse());for(let i of s)e.unshift(G(i))}else t!==void 0&&e.push(G(t));return e}static _$Eu(t,e){let s=e.attribute;return s===!1?void 0:typeof s=="string"?s:typeof t=="string"?t.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(t=>this.enableUpdating=t),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(t=>t(this))}addController(t){(this._$EO??=new Set).add(t),this.renderRoot!==void 0&&this.isConnected&&t.hostConnected?.()}removeController(t){this._$EO?.delete(t)}_$E_(){let t=new Map,e=this.constructor.elementProperties;for(let s of e.keys())this.hasOwnProperty(s)&&(t.set(s,this[s]),delete this[s]);t.size>0&&(this._$Ep=t)}createRenderRoot(){let t=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return dt(t,this.constructor.elementStyles),t}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(t=>t.hostConnected?.())}enableUpdating(t){}disconnectedCallback(){this._$EO?.forEach(t=>t.hostDisconnected?.())}attributeChangedCallback(t,e,s){this._$AK(t,s)}_$ET(t,e){let s=this.constructor.elementProperties.get(t),i=this.constructor._$Eu(t,s);if(i!==void 0&&s.reflect===!0){let n=(s.converter?.toAttribute!==void 0?s.converter:F).toAttribute(e,s.type);this._$Em=t,n==null?this.removeAttribute(i):this.setAttribute(i,n),this._$Em=null}}_$AK(t,e){let s=this.constructor,i=s._$Eh.get(t);if(i!==void 0&&this._$Em!==i){let n=s.getPropertyOptions(i),o=typeof n.converter=="function"?{fromAttribute:n.converter}:n.converter?.fromAttribute!==void 0?n.converter:F;this._$Em=i;let c=o.fromAttribute(e,n.type);this[i]=c??this._$Ej?.get(i)??c,this._$Em=null}}requestUpdate(t,e,s,i=!1,n){if(t!==void 0){let o=this.constructor;if(i===!1&&(n=this[t]),s??=o.getPropertyOptions(t),!((s.hasChanged??ut)(n,e)||s.useDefault&&s.reflect&&n===this._$Ej?.get(t)&&!this.hasAttribute(o._$Eu(t,s))))return;this.C(t,e,s)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(t,e,{useDefault:s,reflect:i,wrapped:n},o){s&&!(this._$Ej??=new Map).has(t)&&(this._$Ej.set(t,o??e??this[t]),n!==!0||o!==void 0)||(this._$AL.has(t)||(this.hasUpdated||s||(e=void 0),this._$AL.set(t,e)),i===!0&&this._$Em!==t&&(this._$Eq??=new Set).add(t))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(e){Promise.reject(e)}let t=this.scheduleUpdate();return t!=null&&await t,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[i,n]of this._$Ep)this[i]=n;this._$Ep=void 0}let s=this.constructor.elementProperties;if(s.size>0)for(let[i,n]of s){let{wrapped:o}=n,c=this[i];o!==!0||this._$AL.has(i)||c===void 0||this.C(i,void 0,n,c)}}let t=!1,e=this._$AL;try{t=this.shouldUpdate(e),t?(this.willUpdate(e),this._$EO?.forEach(s=>s.hostUpdate?.()),this.update(e)):this._$EM()}catch(s){throw t=!1,this._$EM(),s}t&&this._$AE(e)}willUpdate(t){}_$AE(t){this._$EO?.forEach(e=>e.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(t)),this.updated(t)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(t){return!0}update(t){this._$Eq&&=this._$Eq.forEach(e=>this._$ET(e,this[e])),this._$EM()}updated(t){}firstUpdated(t){}};v.elementStyles=[],v.shadowRootOptions={mode:"open"},v[P("elementProperties")]=new Map,v[P("finalized")]=new Map,Ut?.({ReactiveElement:v}),(I.reactiveElementVersions??=[]).push("2.1.2");var et=globalThis,gt=r=>r,B=et.trustedTypes,mt=B?B.createPolicy("lit-html",{createHTML:r=>r}):void 0,bt="$lit$",$=`lit$${Math.random().toFixed(9).slice(2)}$`,At="?"+$,Dt=`<${At}>`,A=document,T=()=>A.createComment(""),H=r=>r===null||typeof r!="object"&&typeof r!="function",st=Array.isArray,jt=r=>st(r)||typeof r?.[Symbol.iterator]=="function",J=`[ 	
\f\r]`,k=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,ft=/-->/g,_t=/>/g,y=RegExp(`>|${J}(?:([^\\s"'>=/]+)(${J}*=${J}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),vt=/'/g,$t=/"/g,St=/^(?:script|style|textarea|title)$/i,it=r=>(t,...e)=>({_$litType$:r,strings:t,values:e}),u=it(1),Xt=it(2),te=it(3),S=Symbol.for("lit-noChange"),p=Symbol.for("lit-nothing"),yt=new WeakMap,b=A.createTreeWalker(A,129);function xt(r,t){if(!st(r)||!r.hasOwnProperty("raw"))throw Error("invalid template strings array");return mt!==void 0?mt.createHTML(t):t}var zt=(r,t)=>{let e=r.length-1,s=[],i,n=t===2?"<svg>":t===3?"<math>":"",o=k;for(let c=0;c<e;c++){let a=r[c],d,h,l=-1,g=0;for(;g<a.length&&(o.lastIndex=g,h=o.exec(a),h!==null);)g=o.lastIndex,o===k?h[1]==="!--"?o=ft:h[1]!==void 0?o=_t:h[2]!==void 0?(St.test(h[2])&&(i=RegExp("</"+h[2],"g")),o=y):h[3]!==void 0&&(o=y):o===y?h[0]===">"?(o=i??k,l=-1):h[1]===void 0?l=-2:(l=o.lastIndex-h[2].length,d=h[1],o=h[3]===void 0?y:h[3]==='"'?$t:vt):o===$t||o===vt?o=y:o===ft||o===_t?o=k:(o=y,i=void 0);let m=o===y&&r[c+1].startsWith("/>")?" ":"";n+=o===k?a+Dt:l>=0?(s.push(d),a.slice(0,l)+bt+a.slice(l)+$+m):a+$+(l===-2?c:m)}return[xt(r,n+(r[e]||"<?>")+(t===2?"</svg>":t===3?"</math>":"")),s]},O=class r{constructor({strings:t,_$litType$:e},s){let i;this.parts=[];let n=0,o=0,c=t.length-1,a=this.parts,[d,h]=zt(t,e);if(this.el=r.createElement(d,s),b.currentNode=this.el.content,e===2||e===3){let l=this.el.content.firstChild;l.replaceWith(...l.childNodes)}for(;(i=b.nextNode())!==null&&a.length<c;){if(i.nodeType===1){if(i.hasAttributes())for(let l of i.getAttributeNames())if(l.endsWith(bt)){let g=h[o++],m=i.getAttribute(l).split($),D=/([.?@])?(.*)/.exec(g);a.push({type:1,index:n,name:D[2],strings:m,ctor:D[1]==="."?Z:D[1]==="?"?Q:D[1]==="@"?X:E}),i.removeAttribute(l)}else l.startsWith($)&&(a.push({type:6,index:n}),i.removeAttribute(l));if(St.test(i.tagName)){let l=i.textContent.split($),g=l.length-1;if(g>0){i.textContent=B?B.emptyScript:"";for(let m=0;m<g;m++)i.append(l[m],T()),b.nextNode(),a.push({type:2,index:++n});i.append(l[g],T())}}}else if(i.nodeType===8)if(i.data===At)a.push({type:2,index:n});else{let l=-1;for(;(l=i.data.indexOf($,l+1))!==-1;)a.push({type:7,index:n}),l+=$.length-1}n++}}static createElement(t,e){let s=A.createElement("template");return s.innerHTML=t,s}};function x(r,t,e=r,s){if(t===S)return t;let i=s!==void 0?e._$Co?.[s]:e._$Cl,n=H(t)?void 0:t._$litDirective$;return i?.constructor!==n&&(i?._$AO?.(!1),n===void 0?i=void 0:(i=new n(r),i._$AT(r,e,s)),s!==void 0?(e._$Co??=[])[s]=i:e._$Cl=i),i!==void 0&&(t=x(r,i._$AS(r,t.values),i,s)),t}var Y=class{constructor(t,e){this._$AV=[],this._$AN=void 0,this._$AD=t,this._$AM=e}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(t){let{el:{content:e},parts:s}=this._$AD,i=(t?.creationScope??A).importNode(e,!0);b.currentNode=i;let n=b.nextNode(),o=0,c=0,a=s[0];for(;a!==void 0;){if(o===a.index){let d;a.type===2?d=new M(n,n.nextSibling,this,t):a.type===1?d=new a.ctor(n,a.name,a.strings,this,t):a.type===6&&(d=new tt(n,this,t)),this._$AV.push(d),a=s[++c]}o!==a?.index&&(n=b.nextNode(),o++)}return b.currentNode=A,i}p(t){let e=0;for(let s of this._$AV)s!==void 0&&(s.strings!==void 0?(s._$AI(t,s,e),e+=s.strings.length-2):s._$AI(t[e])),e++}},M=class r{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(t,e,s,i){this.type=2,this._$AH=p,this._$AN=void 0,this._$AA=t,this._$AB=e,this._$AM=s,this.options=i,this._$Cv=i?.isConnected??!0}get parentNode(){let t=this._$AA.parentNode,e=this._$AM;return e!==void 0&&t?.nodeType===11&&(t=e.parentNode),t}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(t,e=this){t=x(this,t,e),H(t)?t===p||t==null||t===""?(this._$AH!==p&&this._$AR(),this._$AH=p):t!==this._$AH&&t!==S&&this._(t):t._$litType$!==void 0?this.$(t):t.nodeType!==void 0?this.T(t):jt(t)?this.k(t):this._(t)}O(t){return this._$AA.parentNode.insertBefore(t,this._$AB)}T(t){this._$AH!==t&&(this._$AR(),this._$AH=this.O(t))}_(t){this._$AH!==p&&H(this._$AH)?this._$AA.nextSibling.data=t:this.T(A.createTextNode(t)),this._$AH=t}$(t){let{values:e,_$litType$:s}=t,i=typeof s=="number"?this._$AC(t):(s.el===void 0&&(s.el=O.createElement(xt(s.h,s.h[0]),this.options)),s);if(this._$AH?._$AD===i)this._$AH.p(e);else{let n=new Y(i,this),o=n.u(this.options);n.p(e),this.T(o),this._$AH=n}}_$AC(t){let e=yt.get(t.strings);return e===void 0&&yt.set(t.strings,e=new O(t)),e}k(t){st(this._$AH)||(this._$AH=[],this._$AR());let e=this._$AH,s,i=0;for(let n of t)i===e.length?e.push(s=new r(this.O(T()),this.O(T()),this,this.options)):s=e[i],s._$AI(n),i++;i<e.length&&(this._$AR(s&&s._$AB.nextSibling,i),e.length=i)}_$AR(t=this._$AA.nextSibling,e){for(this._$AP?.(!1,!0,e);t!==this._$AB;){let s=gt(t).nextSibling;gt(t).remove(),t=s}}setConnected(t){this._$AM===void 0&&(this._$Cv=t,this._$AP?.(t))}},E=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(t,e,s,i,n){this.type=1,this._$AH=p,this._$AN=void 0,this.element=t,this.name=e,this._$AM=i,this.options=n,s.length>2||s[0]!==""||s[1]!==""?(this._$AH=Array(s.length-1).fill(new String),this.strings=s):this._$AH=p}_$AI(t,e=this,s,i){let n=this.strings,o=!1;if(n===void 0)t=x(this,t,e,0),o=!H(t)||t!==this._$AH&&t!==S,o&&(this._$AH=t);else{let c=t,a,d;for(t=n[0],a=0;a<n.length-1;a++)d=x(this,c[s+a],e,a),d===S&&(d=this._$AH[a]),o||=!H(d)||d!==this._$AH[a],d===p?t=p:t!==p&&(t+=(d??"")+n[a+1]),this._$AH[a]=d}o&&!i&&this.j(t)}j(t){t===p?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,t??"")}},Z=class extends E{constructor(){super(...arguments),this.type=3}j(t){this.element[this.name]=t===p?void 0:t}},Q=class extends E{constructor(){super(...arguments),this.type=4}j(t){this.element.toggleAttribute(this.name,!!t&&t!==p)}},X=class extends E{constructor(t,e,s,i,n){super(t,e,s,i,n),this.type=5}_$AI(t,e=this){if((t=x(this,t,e,0)??p)===S)return;let s=this._$AH,i=t===p&&s!==p||t.capture!==s.capture||t.once!==s.once||t.passive!==s.passive,n=t!==p&&(s===p||i);i&&this.element.removeEventListener(this.name,this,s),n&&this.element.addEventListener(this.name,this,t),this._$AH=t}handleEvent(t){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,t):this._$AH.handleEvent(t)}},tt=class{constructor(t,e,s){this.element=t,this.type=6,this._$AN=void 0,this._$AM=e,this.options=s}get _$AU(){return this._$AM._$AU}_$AI(t){x(this,t)}};var It=et.litHtmlPolyfillSupport;It?.(O,M),(et.litHtmlVersions??=[]).push("3.3.3");var Et=(r,t,e)=>{let s=e?.renderBefore??t,i=s._$litPart$;if(i===void 0){let n=e?.renderBefore??null;s._$litPart$=i=new M(t.insertBefore(T(),n),n,void 0,e??{})}return i._$AI(r),i};var nt=globalThis,f=class extends v{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let t=super.createRenderRoot();return this.renderOptions.renderBefore??=t.firstChild,t}update(t){let e=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(t),this._$Do=Et(e,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return S}};f._$litElement$=!0,f.finalized=!0,nt.litElementHydrateSupport?.({LitElement:f});var Bt=nt.litElementPolyfillSupport;Bt?.({LitElement:f});(nt.litElementVersions??=[]).push("4.2.2");var rt="ocpp_central";var Wt=["status","plugged_in","charging","power","energy_session","state_of_charge","charge_mode","current_limit","applied_limit","limit_obeyed","limit_verified","control_reason","session_solar_share"],Vt=new Set(Wt);function _(r,t){let e=r.devices[t];return e?.name_by_user||e?.name||t}function wt(r,t){let e={};for(let s of Object.values(r.entities)){if(s.device_id!==t||s.platform!==rt)continue;let i=s.translation_key;i&&Vt.has(i)&&!(i in e)&&(e[i]=s.entity_id)}return e}function N(r){let t=new Set;for(let s of Object.values(r.entities))s.platform===rt&&s.device_id&&t.add(s.device_id);let e=new Set;for(let s of t){let i=r.devices[s]?.via_device_id;e.add(i&&r.devices[i]?i:s)}return[...e].sort((s,i)=>_(r,s).localeCompare(_(r,i)))}function ot(r,t){let e=[],s=wt(r,t);s.status&&e.push({deviceId:t,name:_(r,t),entities:s});let i=Object.values(r.devices).filter(n=>n.via_device_id===t).map(n=>n.id).sort((n,o)=>_(r,n).localeCompare(_(r,o),void 0,{numeric:!0}));for(let n of i){let o=wt(r,n);Object.keys(o).length&&e.push({deviceId:n,name:_(r,n),entities:o})}return e}function at(r,t){return r.toLocaleTimeString(t??"en",{hour:"2-digit",minute:"2-digit"})}function Ct(r,t,e=Date.now()){let s=r.attributes.planned_schedule,i=r.attributes.planned_until;if(!Array.isArray(s)||!s.length||!i)return;let n=Date.parse(i),o=s.map(d=>Date.parse(d.start)),c=Math.max(Math.min(e,n),o[0]);if(!(n>c))return;let a=[];return s.forEach((d,h)=>{let l=Math.max(o[h],c),g=Math.min(h+1<s.length?o[h+1]:n,n);g>l&&a.push({from:at(new Date(l),t),charging:d.limit>0,share:(g-l)/(n-c)})}),{start:at(new Date(c),t),end:at(new Date(n),t),segments:a}}function W(r,t){let e=Date.now(),s=()=>{let i=window.customElements;if(!i.get(r)){if(i.get("home-assistant")||Date.now()-e>1e4){i.define(r,t);return}setTimeout(s,50)}};s()}var Rt={no_chargers:"No chargers yet: add one under Settings, Devices & services.",chargers:"Chargers",all_chargers:"All chargers",charger_gone:"This charger is no longer in Home Assistant.",no_connectors:"The charger has not reported its connectors yet.",charger:"Charger",power:"Power",session:"Session",battery:"Battery",mode:"Charge mode",limit:"Current limit",applied:"Applied",obeys:"Charger obeys",obeys_yes:"charger obeys",obeys_no:"charger does not obey",obeys_unknown:"not reported",solar_share:"Solar share",reason:"Why",plan:"Cheapest plan",plan_charge:"charging",plan_wait:"waiting",plugged:"Car plugged in",unplugged:"No car"},Kt={no_chargers:"Inga laddare än: lägg till en under Inställningar, Enheter och tjänster.",chargers:"Laddare",all_chargers:"Alla laddare",charger_gone:"Den här laddaren finns inte längre i Home Assistant.",no_connectors:"Laddaren har inte rapporterat sina uttag än.",charger:"Laddare",power:"Effekt",session:"Session",battery:"Batteri",mode:"Laddläge",limit:"Strömgräns",applied:"Tillämpad",obeys:"Laddaren följer",obeys_yes:"laddaren följer",obeys_no:"laddaren följer inte",obeys_unknown:"inte rapporterat",solar_share:"Solandel",reason:"Varför",plan:"Billigaste plan",plan_charge:"laddar",plan_wait:"väntar",plugged:"Bil ansluten",unplugged:"Ingen bil"},qt={en:Rt,sv:Kt};function V(r){let t=(r??"en").split("-")[0].toLowerCase();return qt[t]??Rt}var Pt=R`
  ha-card {
    padding: 16px;
    display: flex;
    flex-direction: column;
    gap: 16px;
  }
  .header {
    display: flex;
    align-items: center;
    gap: 8px;
    font-size: 1.2em;
    font-weight: 500;
    color: var(--primary-text-color);
  }
  .header ha-icon {
    color: var(--state-icon-color, var(--primary-color));
  }
  .message {
    color: var(--secondary-text-color);
  }
  .connector {
    display: flex;
    flex-direction: column;
    gap: 12px;
  }
  .connector + .connector {
    border-top: 1px solid var(--divider-color);
    padding-top: 16px;
  }
  .connector-name {
    font-weight: 500;
    color: var(--secondary-text-color);
  }
  .status {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 8px;
  }
  .chip {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    padding: 4px 10px;
    border-radius: 16px;
    font-size: 0.9em;
    background: var(--secondary-background-color);
    color: var(--primary-text-color);
  }
  .chip.active {
    background: var(--success-color, #43a047);
    color: var(--text-primary-color, #fff);
  }
  .chip.paused {
    background: var(--warning-color, #ffa600);
    color: var(--text-primary-color, #fff);
  }
  .chip.fault {
    background: var(--error-color, #db4437);
    color: var(--text-primary-color, #fff);
  }
  .chip ha-icon {
    --mdc-icon-size: 18px;
  }
  .readings {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(90px, 1fr));
    gap: 8px;
  }
  .reading {
    display: flex;
    flex-direction: column;
  }
  .reading .label {
    font-size: 0.8em;
    color: var(--secondary-text-color);
  }
  .reading .value {
    font-size: 1.3em;
    font-weight: 500;
    color: var(--primary-text-color);
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: space-between;
    gap: 8px;
    color: var(--primary-text-color);
  }
  .row .label {
    color: var(--secondary-text-color);
  }
  select {
    font: inherit;
    color: var(--primary-text-color);
    background: var(--input-fill-color, var(--secondary-background-color));
    border: 1px solid var(--divider-color);
    border-radius: 8px;
    padding: 6px 8px;
    min-width: 140px;
  }
  .limit {
    display: flex;
    flex-direction: column;
    gap: 4px;
  }
  .limit input[type="range"] {
    width: 100%;
    accent-color: var(--primary-color);
  }
  .limit .detail {
    font-size: 0.85em;
    color: var(--secondary-text-color);
  }
  .obeys-no {
    color: var(--warning-color, #ffa600);
  }
  .reason {
    font-size: 0.95em;
    color: var(--primary-text-color);
  }
  .plan-bar {
    display: flex;
    height: 12px;
    border-radius: 6px;
    overflow: hidden;
    background: var(--secondary-background-color);
  }
  .plan-bar .charge {
    background: var(--primary-color);
  }
  .plan-bar .wait {
    background: var(--divider-color);
  }
  .plan-times {
    display: flex;
    justify-content: space-between;
    font-size: 0.8em;
    color: var(--secondary-text-color);
  }
`;var L=class extends f{setConfig(t){this._config=t}render(){if(!this.hass||!this._config)return u``;let t=this.hass,e=V(t.locale?.language??t.language),s=this._config.device_id??"",i=N(t);return u`<label
      >${e.charger}
      <select @change=${this._changed}>
        <option value="" ?selected=${!s}>${e.all_chargers}</option>
        ${i.map(n=>u`<option value=${n} ?selected=${n===s}>${_(t,n)}</option>`)}
      </select>
    </label>`}_changed(t){let e=t.target.value,s={...this._config,device_id:e||void 0};e||delete s.device_id,this._config=s,this.dispatchEvent(new CustomEvent("config-changed",{detail:{config:s},bubbles:!0,composed:!0}))}};L.properties={hass:{attribute:!1},_config:{state:!0}},L.styles=R`
    label {
      display: flex;
      flex-direction: column;
      gap: 4px;
      color: var(--secondary-text-color);
    }
    select {
      font: inherit;
      color: var(--primary-text-color);
      background: var(--input-fill-color, var(--secondary-background-color));
      border: 1px solid var(--divider-color);
      border-radius: 8px;
      padding: 8px;
    }
  `;var Gt="ocpp-central-charger-card-editor";W(Gt,L);var w="ocpp-central-charger-card",K=new Set(["unknown","unavailable"]),Ft={available:{icon:"mdi:ev-plug-type2",look:""},preparing:{icon:"mdi:car-electric",look:""},charging:{icon:"mdi:battery-charging",look:"active"},suspended_ev:{icon:"mdi:car-clock",look:"paused"},suspended_evse:{icon:"mdi:pause-circle",look:"paused"},finishing:{icon:"mdi:car-electric",look:""},reserved:{icon:"mdi:calendar-clock",look:""},unavailable:{icon:"mdi:power-plug-off",look:""},faulted:{icon:"mdi:alert-circle",look:"fault"}},U=class extends f{constructor(){super(...arguments);this._dragging={}}static getConfigElement(){return document.createElement(`${w}-editor`)}static getStubConfig(e){let[s]=N(e);return s?{type:`custom:${w}`,device_id:s}:{type:`custom:${w}`}}setConfig(e){if(!e)throw new Error("Invalid configuration");this._config=e}getCardSize(){return 2+5*Math.max(1,this._connectors().length)}getGridOptions(){return{columns:12,min_columns:6}}get _t(){let e=V(this.hass?.locale?.language??this.hass?.language);return s=>e[s]}_connectors(){let e=this.hass,s=this._config?.device_id;return e?s?e.devices[s]?ot(e,s):[]:N(e).flatMap(i=>ot(e,i)):[]}_state(e){return e?this.hass?.states[e]:void 0}_format(e,s){let i=this._state(e);if(!i||s===void 0&&K.has(i.state))return;if(this.hass?.formatEntityState)return this.hass.formatEntityState(i,s);let n=i.attributes.unit_of_measurement;return`${s??i.state}${n?` ${n}`:""}`}render(){let e=this._t,s=this._config?.device_id,i=this.hass&&s?_(this.hass,s):e("chargers"),n;if(s&&this.hass&&!this.hass.devices[s])n=u`<div class="message">${e("charger_gone")}</div>`;else{let o=this._connectors();n=o.length?o.map(c=>this._renderConnector(c,o.length>1||!s)):u`<div class="message">${e(s?"no_connectors":"no_chargers")}</div>`}return u`<ha-card>
      <div class="header"><ha-icon icon="mdi:ev-station"></ha-icon><span class="title">${i}</span></div>
      ${n}
    </ha-card>`}_renderConnector(e,s){let i=this._t,n=e.entities,o=this._state(n.status),c=Ft[o?.state??""]??{icon:"mdi:help-circle",look:""},a=this._state(n.plugged_in),d=(h,l)=>{let g=this._format(n[h]);return g===void 0&&h!=="power"&&h!=="energy_session"?p:u`<div class="reading" data-role=${h}>
        <span class="label">${i(l)}</span><span class="value">${g??"–"}</span>
      </div>`};return u`<div class="connector" data-device=${e.deviceId}>
      ${s?u`<div class="connector-name">${e.name}</div>`:p}
      <div class="status">
        <span class="chip ${c.look}" data-role="status"
          ><ha-icon icon=${c.icon}></ha-icon>${this._format(n.status)??"–"}</span
        >
        ${a&&!K.has(a.state)?u`<span class="chip" data-role="plugged_in">${a.state==="on"?i("plugged"):i("unplugged")}</span>`:p}
      </div>
      <div class="readings">
        ${d("power","power")} ${d("energy_session","session")}
        ${d("state_of_charge","battery")} ${d("session_solar_share","solar_share")}
      </div>
      ${this._renderMode(n.charge_mode)} ${this._renderLimit(e)}
      ${this._renderReason(n.control_reason)}
    </div>`}_renderMode(e){let s=this._state(e);if(!e||!s)return p;let i=s.attributes.options??[];return u`<label class="row" data-role="charge_mode">
      <span class="label">${this._t("mode")}</span>
      <select
        @change=${n=>this.hass?.callService("select","select_option",{entity_id:e,option:n.target.value})}
      >
        ${i.map(n=>u`<option value=${n} ?selected=${n===s.state}>
              ${this._format(e,n)??n}
            </option>`)}
      </select>
    </label>`}_renderLimit(e){let s=this._t,i=e.entities.current_limit,n=this._state(i);if(!i||!n)return p;let o=Number(n.attributes.min??0),c=Number(n.attributes.max??32),a=Number(n.attributes.step??1),d=String(n.attributes.unit_of_measurement??"A"),h=Number(n.state),l=this._dragging[i]??(Number.isFinite(h)&&!K.has(n.state)?h:c),g=this._format(e.entities.applied_limit);return u`<div class="limit" data-role="current_limit">
      <div class="row">
        <span class="label">${s("limit")}</span>
        <span class="value" data-role="limit_value">${l} ${d}</span>
      </div>
      <input
        type="range"
        min=${o}
        max=${c}
        step=${a}
        .value=${String(l)}
        aria-label=${s("limit")}
        @input=${m=>{this._dragging={...this._dragging,[i]:Number(m.target.value)}}}
        @change=${m=>this._setLimit(i,Number(m.target.value))}
      />
      <div class="detail" data-role="applied_limit">
        ${s("applied")}: ${g??"–"} ·
        ${this._renderObeys(e.entities.limit_obeyed??e.entities.limit_verified)}
      </div>
    </div>`}async _setLimit(e,s){try{await this.hass?.callService("number","set_value",{entity_id:e,value:s})}finally{let{[e]:i,...n}=this._dragging;this._dragging=n}}_renderObeys(e){let s=this._t,i=this._state(e);if(!e||!i||K.has(i.state))return u`<span data-role="limit_verified">${s("obeys_unknown")}</span>`;if(e.startsWith("binary_sensor.")){let o=i.state==="on";return u`<span data-role="limit_verified" class=${o?"":"obeys-no"}
        >${s(o?"obeys_yes":"obeys_no")}</span
      >`}let n=i.state==="no"?"obeys-no":"";return u`<span data-role="limit_verified" class=${n}>${s("obeys")}: ${this._format(e)}</span>`}_renderReason(e){let s=this._state(e),i=this._format(e);if(!s||i===void 0)return p;let n=Ct(s,this.hass?.locale?.language),o=this._t;return u`<div class="reason" data-role="control_reason">
        <span class="label">${o("reason")}:</span> ${i}
      </div>
      ${n?u`<div class="plan" data-role="plan">
            <div class="row"><span class="label">${o("plan")}</span></div>
            <div class="plan-bar">
              ${n.segments.map(c=>u`<div
                    class=${c.charging?"charge":"wait"}
                    style="flex: ${c.share}"
                    title="${c.from} ${c.charging?o("plan_charge"):o("plan_wait")}"
                  ></div>`)}
            </div>
            <div class="plan-times"><span>${n.start}</span><span>${n.end}</span></div>
          </div>`:p}`}};U.styles=Pt,U.properties={hass:{attribute:!1},_config:{state:!0},_dragging:{state:!0}};W(w,U);window.customCards=window.customCards??[];window.customCards.some(r=>r.type===w)||window.customCards.push({type:w,name:"OCPP charger",description:"Status, power, energy, charge mode and current limit of an OCPP charger, per connector.",preview:!0,documentationURL:"https://github.com/ocpp-central/ocpp_central#dashboard-card"});export{w as CARD_TYPE,U as OcppCentralChargerCard};
/*! Bundled license information:

@lit/reactive-element/css-tag.js:
  (**
   * @license
   * Copyright 2019 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)

@lit/reactive-element/reactive-element.js:
lit-html/lit-html.js:
lit-element/lit-element.js:
  (**
   * @license
   * Copyright 2017 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)

lit-html/is-server.js:
  (**
   * @license
   * Copyright 2022 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)
*/
