// The statistics page: /stats.json drawn with Apache ECharts (served from its WebJar by the
// gateway), refreshed every 10 seconds. window.fedmsgStats exposes the charts and the last data.
(function () {
  'use strict';
  var charts = {};
  var state = { charts: charts, data: null };
  window.fedmsgStats = state;

  function chart(id) {
    if (!charts[id]) { charts[id] = echarts.init(document.getElementById(id)); }
    return charts[id];
  }

  function clock(iso) { return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }); }

  function timeSeries(id, window, group, stack) {
    var names = Object.keys(window[group]);
    chart(id).setOption({
      tooltip: { trigger: 'axis' },
      legend: { type: 'scroll', top: 0 },
      grid: { left: 40, right: 10, top: 30, bottom: 25 },
      xAxis: { type: 'category', data: window.labels.map(clock) },
      yAxis: { type: 'value', minInterval: 1 },
      series: names.map(function (name) {
        return { name: name, type: 'bar', stack: stack ? 'all' : undefined, data: window[group][name] };
      })
    }, true);
  }

  function bars(id, counts) {
    var names = Object.keys(counts);
    chart(id).setOption({
      tooltip: {},
      grid: { left: 120, right: 10, top: 10, bottom: 25 },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', data: names },
      series: [{ type: 'bar', data: names.map(function (n) { return counts[n]; }) }]
    }, true);
  }

  function publishers(list) {
    var body = document.getElementById('publishers');
    body.textContent = '';
    list.forEach(function (p) {
      var row = document.createElement('tr');
      [p.name, p.signer || '-', p.alive ? 'alive' : 'silent', p.heartbeats, new Date(p.last_heartbeat).toLocaleTimeString()]
        .forEach(function (v) { var td = document.createElement('td'); td.textContent = v; row.appendChild(td); });
      body.appendChild(row);
    });
  }

  function draw(data) {
    state.data = data;
    document.getElementById('summary').textContent = data.messages + ' messages since ' + new Date(data.started).toLocaleString()
      + ' · ' + Object.values(data.rejections).reduce(function (a, b) { return a + b; }, 0) + ' rejected · '
      + data.gaps + ' gaps · ' + data.gateway.clients + ' clients connected';
    timeSeries('chart-minute-services', data.minutes, 'services', true);
    timeSeries('chart-hour-services', data.hours, 'services', true);
    timeSeries('chart-minute-topics', data.minutes, 'topics', true);
    bars('chart-totals', data.totals.services);
    bars('chart-rejections', data.rejections);
    var gaps = { labels: data.minutes.labels, gaps: { gaps: data.minutes.gaps.gaps || data.minutes.labels.map(function () { return 0; }) } };
    timeSeries('chart-gaps', gaps, 'gaps', false);
    publishers(data.publishers);
    state.drawn = (state.drawn || 0) + 1;
  }

  function refresh() {
    fetch('/stats.json').then(function (r) { return r.json(); }).then(draw)
      .catch(function (e) { document.getElementById('summary').textContent = 'cannot read /stats.json: ' + e; });
  }

  window.addEventListener('resize', function () { Object.values(charts).forEach(function (c) { c.resize(); }); });
  refresh();
  setInterval(refresh, 10000);
})();
