// The panel's pages: the overview polls /ui/servers.json, the detail page draws its charts with uPlot from
// /ui/servers/{id}/series. No framework, no build step.
(function () {
  "use strict";

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { if (k === "text") node.textContent = attrs[k]; else node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function ago(seconds) {
    if (seconds === null || seconds === undefined) return "never";
    if (seconds < 60) return seconds + " s ago";
    if (seconds < 3600) return Math.floor(seconds / 60) + " min ago";
    if (seconds < 86400) return Math.floor(seconds / 3600) + " h ago";
    return Math.floor(seconds / 86400) + " d ago";
  }

  function bar(used, total, unit) {
    if (used === null || used === undefined || !total) return el("span", { text: "—" });
    var pct = Math.min(100, 100 * used / total);
    var fill = el("i", { style: "width:" + pct.toFixed(0) + "%" });
    if (pct >= 90) fill.className = "high";
    return el("span", { title: used + " / " + total + " " + unit }, [el("span", { "class": "bar" }, [fill]), el("span", { text: pct.toFixed(0) + " %" })]);
  }

  // Confirmation for admin actions that cannot be taken back.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) { if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault(); });
  });

  var servers = document.getElementById("servers");
  if (servers) {
    var rows = [];
    var filter = document.getElementById("filter"), statusFilter = document.getElementById("status-filter"), sort = document.getElementById("sort");
    var render = function () {
      var text = filter.value.trim().toLowerCase(), status = statusFilter.value;
      var shown = rows.filter(function (r) { return (!text || r.hostname.toLowerCase().indexOf(text) >= 0) && (!status || r.status === status); });
      shown.sort(sort.value === "name"
        ? function (a, b) { return a.hostname.localeCompare(b.hostname); }
        : function (a, b) { return a.rank - b.rank || a.hostname.localeCompare(b.hostname); });
      var body = el("tbody");
      shown.forEach(function (r) {
        var containers = el("td", { "class": "containers" });
        if (r.docker_unreachable) containers.appendChild(el("span", { "class": "tag warn", text: "Docker not reachable" }));
        else if (r.container_count === null || r.container_count === undefined) containers.textContent = "—";
        else {
          containers.appendChild(el("span", { text: String(r.container_count) }));
          if (r.unhealthy) containers.appendChild(el("span", { "class": "tag", text: r.unhealthy + " unhealthy" }));
          if (r.restarting) containers.appendChild(el("span", { "class": "tag", text: r.restarting + " restarting" }));
          if (r.exited) containers.appendChild(el("span", { "class": "tag warn", text: r.exited + " exited" }));
        }
        var version = el("td", { "class": "version" }, [el("span", { text: r.agent_version })]);
        if (r.behind) version.appendChild(el("span", { "class": "tag warn", title: "target " + r.target_agent_version, text: "behind " + r.target_agent_version }));
        body.appendChild(el("tr", { "data-id": r.id, "data-status": r.status }, [
          el("td", {}, [el("a", { href: "/servers/" + encodeURIComponent(r.id), text: r.hostname })].concat(r.firing
            ? [el("a", { "class": "tag firing", href: "/alerts?server=" + encodeURIComponent(r.id), text: r.firing + " firing" })] : [])),
          el("td", {}, [el("span", { "class": "status " + r.status, text: r.status.replace("_", " ") }), el("span", { "class": "ago", text: ago(r.last_seen_seconds_ago) })]),
          version,
          containers,
          el("td", {}, [bar(r.cpu_percent, 100, "%")]),
          el("td", {}, [bar(r.ram_used_mb, r.ram_total_mb, "MiB")]),
          el("td", {}, [bar(r.disk_used_gb, r.disk_total_gb, "GiB")]),
          el("td", { text: r.load1 === null || r.load1 === undefined ? "—" : r.load1.toFixed(2) })
        ]));
      });
      if (!shown.length) body.appendChild(el("tr", {}, [el("td", { colspan: "8", "class": "hint", text: "No server matches." })]));
      servers.replaceChild(body, servers.tBodies[0]);
    };
    var poll = function () {
      fetch("/ui/servers.json", { headers: { Accept: "application/json" } })
        .then(function (r) { if (r.status === 401) { location.href = "/signin?return=/"; throw new Error("signed out"); } if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
        .then(function (data) { rows = data; render(); document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString(); })
        .catch(function (e) { document.getElementById("updated").textContent = "cannot reach the panel (" + e.message + "); retrying"; });
    };
    [filter, statusFilter, sort].forEach(function (c) { c.addEventListener("input", render); });
    poll();
    setInterval(poll, 10000);
  }

  var charts = document.getElementById("charts");
  if (charts && window.uPlot) {
    var server = charts.getAttribute("data-server"), range = "1h", plots = {};
    var units = function (v) { if (v === null) return "—"; var u = ["B/s", "KiB/s", "MiB/s", "GiB/s"], i = 0; while (Math.abs(v) >= 1024 && i < 3) { v /= 1024; i++; } return v.toFixed(i === 0 || v >= 100 ? 0 : 1) + " " + u[i]; };
    var defs = {
      cpu: function (s) { return { series: [{ label: "avg", stroke: "#2e5bd8", width: 2 }, { label: "max", stroke: "#98a2b3", dash: [4, 4] }], data: [s.cpu.avg, s.cpu.max], y: { range: [0, 100] } }; },
      ram: function (s) { return { series: [{ label: "used", stroke: "#7a5af8", width: 2 }, { label: "total", stroke: "#98a2b3", dash: [4, 4] }], data: [s.ram_used_mb.avg, s.ram_total_mb], y: { range: function (u, min, max) { return [0, max * 1.05 || 1]; } } }; },
      disk: function (s) { return { series: [{ label: "used", stroke: "#12805c", width: 2 }, { label: "total", stroke: "#98a2b3", dash: [4, 4] }], data: [s.disk_used_gb.avg, s.disk_total_gb], y: { range: function (u, min, max) { return [0, max * 1.05 || 1]; } } }; },
      load: function (s) { return { series: [{ label: "avg", stroke: "#b54708", width: 2 }, { label: "max", stroke: "#98a2b3", dash: [4, 4] }], data: [s.load1.avg, s.load1.max], y: { range: function (u, min, max) { return [0, Math.max(1, max * 1.1)]; } } }; },
      net: function (s) { return { series: [{ label: "in", stroke: "#0e9384", width: 2, value: function (u, v) { return units(v); } }, { label: "out", stroke: "#c11574", width: 2, value: function (u, v) { return units(v); } }], data: [s.network_in_rate.avg, s.network_out_rate.avg], y: { range: function (u, min, max) { return [0, Math.max(1024, max * 1.1)]; } }, axis: function (u, vals) { return vals.map(units); } }; }
    };
    var draw = function (series) {
      Object.keys(defs).forEach(function (name) {
        var box = document.getElementById("chart-" + name), def = defs[name](series);
        var data = [series.time].concat(def.data);
        var hasData = def.data[0].some(function (v) { return v !== null; });
        if (plots[name]) { plots[name].destroy(); delete plots[name]; }
        box.textContent = "";
        box.setAttribute("data-points", String(def.data[0].filter(function (v) { return v !== null; }).length));
        if (!hasData) { box.appendChild(el("div", { "class": "nodata", text: "No data in this range" })); return; }
        var axes = [{}, { size: 80, values: def.axis }];
        // Points as well as lines: a sample between two gaps (or the first minutes of a new server) stays visible.
        def.series.forEach(function (s) { s.points = { show: true, size: 4 }; });
        plots[name] = new uPlot({ width: box.clientWidth || 500, height: 200, series: [{}].concat(def.series), scales: { y: def.y }, axes: axes, legend: { live: true } }, data, box);
        box.uplot = plots[name];
      });
      var note = series.bucket_seconds >= 120 ? "each point: " + (series.bucket_seconds >= 3600 ? series.bucket_seconds / 3600 + " h" : series.bucket_seconds / 60 + " min") + " (average; CPU and load also show the maximum)" : "";
      document.getElementById("chart-note").textContent = (note ? note + " · " : "") + "gaps: no heartbeat";
      charts.setAttribute("data-loaded", range);
    };
    var load = function () {
      fetch("/ui/servers/" + encodeURIComponent(server) + "/series?range=" + range, { headers: { Accept: "application/json" } })
        .then(function (r) { if (r.status === 401) { location.href = "/signin?return=" + encodeURIComponent(location.pathname); throw new Error("signed out"); } if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
        .then(draw)
        .catch(function (e) { document.getElementById("chart-note").textContent = "cannot load the charts (" + e.message + "); retrying"; });
    };
    charts.querySelectorAll("button[data-range]").forEach(function (b) {
      b.addEventListener("click", function () {
        range = b.getAttribute("data-range");
        charts.querySelectorAll("button[data-range]").forEach(function (o) { o.classList.toggle("active", o === b); });
        load();
      });
    });
    load();
    setInterval(load, 30000);
  }
})();
