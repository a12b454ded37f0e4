/*
 * fedmsg-notify.js: pop-up notifications of fedmsg messages for any web application.
 *
 *   <script src="https://GATEWAY/fedmsg-notify.js" data-topics="bodhi.update.*, pkgdb.*"></script>
 *
 * Attributes of the script tag (all optional):
 *   data-topics   comma-separated topic patterns (the policy's glob grammar; default: everything
 *                 the gateway serves)
 *   data-timeout  milliseconds a pop-up stays (default 8000; 0 keeps it until clicked)
 *   data-max      pop-ups shown at once (default 5)
 *   data-desktop  "true": also ask for desktop notifications (the Notification API)
 * The page's origin must be listed in the gateway's gateway.allowed_origins.
 * window.fedmsgNotify.onMessage(fn) calls fn(message) for every message (the gateway's JSON);
 * window.fedmsgNotify.connected tells whether the connection is open.
 * Message text is only ever inserted with textContent.
 */
(function () {
  'use strict';
  var script = document.currentScript;
  var src = new URL(script.src, location.href);
  var data = script.dataset;
  var topics = (data.topics || '').split(',').map(function (t) { return t.trim(); }).filter(Boolean);
  var timeout = data.timeout === undefined ? 8000 : parseInt(data.timeout, 10);
  var max = parseInt(data.max || '5', 10);
  var desktop = data.desktop === 'true';
  var listeners = [];
  var retry = 1000;
  var box;

  function container() {
    if (!box) {
      box = document.createElement('div');
      box.className = 'fedmsg-notify';
      box.setAttribute('role', 'status');
      box.setAttribute('aria-live', 'polite');
      box.style.cssText = 'position:fixed;top:1rem;right:1rem;z-index:2147483647;display:flex;flex-direction:column;'
        + 'gap:.5rem;max-width:24rem;font:14px/1.35 system-ui,sans-serif';
      document.body.appendChild(box);
    }
    return box;
  }

  function summary(m) {
    var msg = m.body && m.body.msg;
    if (msg && typeof msg === 'object') {
      var text = JSON.stringify(msg);
      return text.length > 140 ? text.slice(0, 137) + '...' : text;
    }
    return '';
  }

  function popup(m) {
    var el = document.createElement('div');
    el.className = 'fedmsg-notify-popup';
    el.style.cssText = 'background:#294172;color:#fff;padding:.6rem .8rem;border-radius:6px;'
      + 'box-shadow:0 2px 8px rgba(0,0,0,.35);cursor:pointer;word-break:break-all';
    var title = document.createElement('div');
    title.className = 'fedmsg-notify-topic';
    title.style.fontWeight = 'bold';
    title.textContent = m.topic;
    var body = document.createElement('div');
    body.className = 'fedmsg-notify-body';
    body.textContent = summary(m);
    var signer = document.createElement('div');
    signer.style.cssText = 'opacity:.75;font-size:12px';
    signer.textContent = m.signer ? 'signed by ' + m.signer : 'not verified';
    el.appendChild(title);
    el.appendChild(body);
    el.appendChild(signer);
    el.addEventListener('click', function () { el.remove(); });
    var c = container();
    c.appendChild(el);
    while (c.children.length > max) { c.removeChild(c.firstChild); }
    if (timeout > 0) { setTimeout(function () { el.remove(); }, timeout); }
    if (desktop && window.Notification && Notification.permission === 'granted') {
      new Notification(m.topic, { body: summary(m) });
    }
  }

  function connect() {
    var query = topics.map(function (t) { return 'topic=' + encodeURIComponent(t); }).join('&');
    var ws = new WebSocket((src.protocol === 'https:' ? 'wss://' : 'ws://') + src.host + '/ws' + (query ? '?' + query : ''));
    ws.onopen = function () { retry = 1000; api.connected = true; };
    ws.onmessage = function (event) {
      var m = JSON.parse(event.data);
      if (m.type !== 'message') { return; }
      popup(m);
      listeners.forEach(function (fn) { fn(m); });
    };
    ws.onclose = function () {
      api.connected = false;
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 60000);
    };
  }

  // connected: whether the WebSocket to the gateway is open (for pages and tests)
  var api = { connected: false, onMessage: function (fn) { listeners.push(fn); } };
  window.fedmsgNotify = api;
  if (desktop && window.Notification && Notification.permission === 'default') {
    Notification.requestPermission();
  }
  if (document.body) { connect(); } else { document.addEventListener('DOMContentLoaded', connect); }
})();
