// The live bus page: messages from the gateway's WebSocket, newest first. Everything from the
// bus is shown with textContent, never as HTML.
(function () {
  'use strict';
  var MAX_ROWS = 500, MAX_PENDING = 1000;
  var rows = document.getElementById('messages');
  var filterInput = document.getElementById('filter');
  var pauseButton = document.getElementById('pause');
  var statusEl = document.getElementById('status');
  var counts = { received: 0, shown: 0 };
  var pending = [];
  var paused = false;
  var retry = 500;

  function text(id, value) { document.getElementById(id).textContent = value; }

  // One stable colour per service: a hue from a hash of its name.
  function colour(service) {
    var h = 0;
    for (var i = 0; i < service.length; i++) { h = (h * 31 + service.charCodeAt(i)) >>> 0; }
    return 'hsl(' + (h % 360) + ', 65%, 42%)';
  }

  // The service: the token after <prefix>.<env>. (the fourth for org.fedoraproject.prod.bodhi...).
  function service(topic) {
    var tokens = topic.split('.');
    return tokens.length > 3 ? tokens[3] : tokens[tokens.length - 1];
  }

  // Filter: a glob (* and ?) when it has wildcards, otherwise a case-insensitive substring.
  function matcher(pattern) {
    pattern = pattern.trim();
    if (!pattern) { return function () { return true; }; }
    if (/[*?]/.test(pattern)) {
      var re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
      return function (topic) { return re.test(topic); };
    }
    var needle = pattern.toLowerCase();
    return function (topic) { return topic.toLowerCase().indexOf(needle) >= 0; };
  }
  var matches = matcher('');

  function applyFilter() {
    matches = matcher(filterInput.value);
    Array.prototype.forEach.call(rows.children, function (row) {
      row.hidden = !matches(row.dataset.topic);
    });
  }

  function time(m) {
    var d = typeof m.timestamp === 'number' ? new Date(m.timestamp * 1000) : new Date();
    return d.toLocaleTimeString();
  }

  function show(m) {
    var row = document.createElement('tr');
    var svc = service(m.topic);
    row.className = 'msg';
    row.dataset.topic = m.topic;
    row.dataset.service = svc;
    row.style.setProperty('--service-colour', colour(svc));
    [time(m), svc, m.topic, m.signer || (m.verified ? '' : 'unverified'), m.format].forEach(function (value, i) {
      var cell = document.createElement('td');
      cell.className = ['time', 'service', 'topic', 'signer', 'format'][i];
      cell.textContent = value;
      row.appendChild(cell);
    });
    row.addEventListener('click', function () { detail(m, row); });
    row.hidden = !matches(m.topic);
    rows.insertBefore(row, rows.firstChild);
    while (rows.children.length > MAX_ROWS) { rows.removeChild(rows.lastChild); }
    counts.shown++;
    text('shown', counts.shown);
  }

  function detail(m, row) {
    Array.prototype.forEach.call(rows.querySelectorAll('.selected'), function (r) { r.classList.remove('selected'); });
    row.classList.add('selected');
    text('detail-topic', m.topic);
    text('detail-signer', m.signer || 'not verified by this gateway');
    text('detail-format', m.format);
    text('detail-id', m.msg_id || '');
    text('detail-time', typeof m.timestamp === 'number' ? new Date(m.timestamp * 1000).toISOString() : '');
    text('detail-json', JSON.stringify(m.body, null, 2));
    document.getElementById('detail').hidden = false;
  }

  function arrived(m) {
    counts.received++;
    text('received', counts.received);
    if (paused) {
      pending.push(m);
      if (pending.length > MAX_PENDING) { pending.shift(); }
      text('pending', pending.length);
    } else {
      show(m);
    }
  }

  function connect() {
    var ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');
    ws.onopen = function () { retry = 500; statusEl.textContent = 'connected'; statusEl.className = 'status open'; };
    ws.onmessage = function (event) {
      var m = JSON.parse(event.data);
      if (m.type === 'message') { arrived(m); }
    };
    ws.onclose = function (event) {
      statusEl.textContent = 'disconnected' + (event.reason ? ': ' + event.reason : '') + '; retrying';
      statusEl.className = 'status closed';
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    };
  }

  function rejections() {
    fetch('/stats.json').then(function (r) { return r.json(); }).then(function (stats) {
      var parts = Object.keys(stats.rejections).map(function (k) { return k + ' ' + stats.rejections[k]; });
      text('rejections', parts.length ? parts.join(' · ') : 'none');
    }).catch(function () { /* the gateway is restarting: the WebSocket status says so */ });
  }

  filterInput.addEventListener('input', applyFilter);
  pauseButton.addEventListener('click', function () {
    paused = !paused;
    pauseButton.textContent = paused ? 'Resume' : 'Pause';
    if (!paused) {
      pending.splice(0).forEach(show);
      text('pending', 0);
    }
  });
  document.getElementById('detail-close').addEventListener('click', function () {
    document.getElementById('detail').hidden = true;
  });
  connect();
  rejections();
  setInterval(rejections, 5000);
})();
